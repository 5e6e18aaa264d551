import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

@Suite("several worker and enqueue processes on one spool")
struct ConcurrencyTests {
    @Test func fourWorkersDrain400JobsEachExactlyOnce() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.1"])
        let shared = s.scratch("shared")
        let ids = (0..<400).map { String(format: "job%03d", $0) }
        let input = ids.map { #"{"id":"\#($0)","command":"echo \"$QUEUECTL_JOB_ID\" >> '\#(shared)'"}"# }.joined(separator: "\n")
        let r = s.run(["enqueue", "-"], stdin: input)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.lines == ids)
        #expect(s.files("pending").count == 400)

        let workers = (0..<4).map { _ in s.start(["worker", "start", "--count", "2"]) }
        defer { for w in workers { w.kill9() } }
        #expect(eventually(timeout: 60) { s.files("completed").count == 400 }, "completed \(s.files("completed").count)")
        for w in workers { #expect(w.stop() == 0, "\(w.errors)") }

        let lines = s.read(shared).split(separator: "\n").map(String.init)
        #expect(lines.count == 400)
        #expect(lines.sorted() == ids)
        #expect(Set(s.ids(in: .completed)) == Set(ids))
        #expect(s.files("pending").isEmpty && s.files("processing").isEmpty && s.files("failed").isEmpty && s.files("dead").isEmpty)
        // Each job started exactly once, across all workers.
        let started = workers.flatMap { startedIDs($0.output) }
        #expect(started.count == 400)
        #expect(Set(started) == Set(ids))
        #expect(s.job("job123")?["attempts"] as? Int == 1)
    }

    @Test func retriesAcrossThreeWorkersRunEachAttemptOnce() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.1", "backoff_base": "2"])
        let shared = s.scratch("attempts")
        let ids = (0..<40).map { "r\($0)" }
        // Fails on attempts 1 and 2, succeeds on 3.
        let input = ids.map {
            #"{"id":"\#($0)","max_retries":5,"command":"echo \"$QUEUECTL_JOB_ID $QUEUECTL_ATTEMPT\" >> '\#(shared)'; [ $QUEUECTL_ATTEMPT -ge 3 ]"}"#
        }.joined(separator: "\n")
        #expect(s.run(["enqueue", "-"], stdin: input).code == 0)
        let workers = (0..<3).map { _ in s.start(["worker", "start", "--count", "2"]) }
        defer { for w in workers { w.kill9() } }
        #expect(eventually(timeout: 60) { s.files("completed").count == 40 }, "completed \(s.files("completed").count)")
        for w in workers { #expect(w.stop() == 0) }
        let lines = s.read(shared).split(separator: "\n").map(String.init)
        let expected = ids.flatMap { id in (1...3).map { "\(id) \($0)" } }
        #expect(lines.sorted() == expected.sorted(), "each (job, attempt) must appear exactly once")
        for id in ids { #expect(s.job(id)?["attempts"] as? Int == 3, "\(id)") }
        #expect(s.files("failed").isEmpty && s.files("dead").isEmpty && s.files("processing").isEmpty)
    }

    @Test func concurrentEnqueuesOfOneIDLetExactlyOneWin() throws {
        let s = TempSpool()
        s.fast()
        let procs = (0..<8).map { i in s.start(["enqueue", "--id", "same", "--command", "echo \(i)"]) }
        let codes = procs.map { $0.wait(timeout: 20) }
        #expect(codes.filter { $0 == 0 }.count == 1, "\(codes)")
        #expect(codes.filter { $0 == 1 }.count == 7, "\(codes)")
        for p in procs where p.exitCode == 1 { #expect(p.errors.contains("'same' already exists"), "\(p.errors)") }
        #expect(s.ids(in: .pending) == ["same"])
        #expect(s.files("pending").count == 1)
        #expect(s.files("tmp").isEmpty, "\(s.files("tmp"))")
    }

    @Test func enqueuersAndWorkersRunAtTheSameTime() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.1"])
        let shared = s.scratch("shared")
        let workers = (0..<2).map { _ in s.startWorker(["--count", "2"]) }
        defer { for w in workers { w.kill9() } }
        var all: [String] = []
        var enqueuers: [RunningProcess] = []
        for e in 0..<4 {
            let ids = (0..<25).map { "e\(e)-\($0)" }
            all += ids
            let path = s.scratch("batch\(e)")
            s.write(path, ids.map { #"{"id":"\#($0)","command":"echo \"$QUEUECTL_JOB_ID\" >> '\#(shared)'"}"# }.joined(separator: "\n"))
            enqueuers.append(s.start(["enqueue", "--job-file", path]))  // refused (exit 2): a job file holds one object
            for id in ids.prefix(5) { enqueuers.append(s.start(["enqueue", "--id", id + "x", "--command", "echo \(id)x >> '\(shared)'"])) }
            all += ids.prefix(5).map { $0 + "x" }
        }
        // While those single enqueues run, the batches go in on stdin.
        for e in 0..<4 {
            let r = s.run(["enqueue", "-"], stdin: s.read(s.scratch("batch\(e)")))
            #expect(r.code == 0, "\(r)")
        }
        let codes = enqueuers.map { $0.wait(timeout: 20) }
        #expect(codes.filter { $0 == 2 }.count == 4, "multi-line job files are refused: \(codes)")
        #expect(codes.filter { $0 == 0 }.count == 20, "\(codes)")
        #expect(eventually(timeout: 60) { s.files("completed").count == all.count }, "completed \(s.files("completed").count) of \(all.count)")
        for w in workers { #expect(w.stop() == 0) }
        let lines = s.read(shared).split(separator: "\n").map(String.init)
        #expect(lines.sorted() == all.sorted())
    }
}
