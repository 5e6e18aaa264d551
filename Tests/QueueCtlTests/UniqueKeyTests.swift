import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Idempotent enqueue (`--unique-key`, `unique_key`), through the binary.
@Suite("unique keys: idempotent enqueue")
struct UniqueKeyTests {
    /// Ids of the jobs of `state` whose JSON has `unique_key` == `key`.
    func holders(_ s: TempSpool, _ key: String, in states: [JobState] = JobState.allCases) -> [String] {
        var ids: [String] = []
        for state in states {
            for id in s.ids(in: state) where s.job(id)?["unique_key"] as? String == key { ids.append(id) }
        }
        return ids
    }

    /// 8 processes enqueue the same key at the same moment (released together through a FIFO),
    /// 12 rounds: each round exactly one job exists, and all 8 print its id and exit 0.
    @Test func racingEnqueuesOfOneKeyMakeExactlyOneJob() throws {
        let s = TempSpool()
        #expect(s.run("status").code == 0)
        let racers = 8
        for round in 0..<12 {
            let fifo = s.scratch("gate-\(round)")
            #expect(mkfifo(fifo, 0o600) == 0)
            let key = "cron fired twice #\(round)"
            let procs = (0..<racers).map { i in
                let script = "read x < '\(fifo)'; exec '\(QueueCtlBinary.path)' --spool '\(s.root)' enqueue "
                    + "--unique-key '\(key)' --command 'echo \(round)-\(i)'"
                let child = try! ChildProcess.spawn("/bin/sh", ["-c", script], stdout: s.scratch("out-\(round)-\(i)"),
                                                    stderr: s.scratch("err-\(round)-\(i)"), newProcessGroup: true)
                return RunningProcess(child: child, outPath: s.scratch("out-\(round)-\(i)"), errPath: s.scratch("err-\(round)-\(i)"))
            }
            usleep(150_000)  // let every shell block in its open of the FIFO
            // Release everyone blocked on the FIFO now (and again for a late one) until all exited.
            let deadline = wallNow() + 30
            while procs.contains(where: { $0.wait(timeout: 0) == nil }) && wallNow() < deadline {
                let w = open(fifo, O_WRONLY | O_NONBLOCK)
                if w >= 0 { close(w) }
                usleep(2_000)
            }
            let outputs = (0..<racers).map { s.read(s.scratch("out-\(round)-\($0)")).trimmingCharacters(in: .whitespacesAndNewlines) }
            for p in procs { #expect(p.wait(timeout: 10) == 0, "\(p.errors)") }
            let jobs = holders(s, key)
            try #require(jobs.count == 1, "round \(round): \(jobs.count) jobs with key \(key): \(jobs)")
            #expect(Set(outputs) == [jobs[0]], "round \(round): every racer prints the one job's id: \(outputs)")
        }
        #expect(s.ids(in: .pending).count == 12)
    }

    /// While the holder is pending, held or failed (waiting for its retry) the key is taken;
    /// once it completed (or died) it is free again, and its marker is gone.
    @Test func keyIsTakenWhileTheJobLivesAndFreeAfterItEnds() throws {
        let s = TempSpool()
        s.fast(["backoff_base": "1000", "time_unit": "1"])  // a failed job waits long for its retry
        let first = s.run("enqueue", "--unique-key", "k1", "--command", "exit 3", "--max-retries", "1")
        try #require(first.code == 0, "\(first)")
        let id = first.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let again = s.run("enqueue", "--unique-key", "k1", "--command", "echo other")
        #expect(again.code == 0 && again.out == first.out, "\(again)")
        let json = s.run("enqueue", #"{"command":"echo json","unique_key":"k1","id":"other"}"#)
        #expect(json.code == 0 && json.out == first.out, "\(json)")
        #expect(s.run("hold", id).code == 0)
        #expect(s.run("enqueue", "--unique-key", "k1", "--command", "true").out == first.out, "held holds the key")
        #expect(s.run("release", id).code == 0)
        let w = s.startWorker()  // fails once, then waits in failed/ for its (long) backoff
        #expect(eventually { s.ids(in: .failed) == [id] })
        #expect(w.stop() == 0)
        #expect(s.run("enqueue", "--unique-key", "k1", "--command", "true").out == first.out, "failed holds the key")
        #expect(s.ids(in: .pending).isEmpty && holders(s, "k1") == [id])

        // Dead (after its last retry): free; the marker is released with the outcome.
        #expect(s.run("retry", id).code == 0)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .dead) == [id])
        #expect(s.files("keys").isEmpty, "released at the end: \(s.files("keys"))")
        let second = s.run("enqueue", "--unique-key", "k1", "--command", "true")
        #expect(second.code == 0 && second.out != first.out, "\(second)")

        // Completed: free again.
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.files("keys").isEmpty)
        let third = s.run("enqueue", "--unique-key", "k1", "--command", "true")
        #expect(third.code == 0 && third.out != second.out && third.out != first.out)
        // delete releases it too.
        #expect(s.run("delete", third.out.trimmingCharacters(in: .whitespacesAndNewlines)).code == 0)
        #expect(s.files("keys").isEmpty)
    }

    /// A marker whose job was removed by hand (`rm pending/...`) blocks nothing, and fsck
    /// reports it (`stale-key`) and removes it with --repair.
    @Test func staleMarkerOfAJobRemovedByHandDoesNotBlock() throws {
        let s = TempSpool()
        let first = s.run("enqueue", "--unique-key", "nightly", "--command", "true")
        try #require(first.code == 0)
        for name in s.files("pending") { try FileManager.default.removeItem(atPath: s.path("pending/\(name)")) }
        #expect(s.files("keys").contains("knightly"))
        let second = s.run("enqueue", "--unique-key", "nightly", "--command", "true")
        #expect(second.code == 0 && second.out != first.out, "\(second)")
        #expect(holders(s, "nightly").count == 1)

        // Remove that one by hand too, and age the marker past fsck's grace.
        for name in s.files("pending") { try FileManager.default.removeItem(atPath: s.path("pending/\(name)")) }
        for name in s.files("keys") {
            var times = [timespec(tv_sec: time(nil) - 120, tv_nsec: 0), timespec(tv_sec: time(nil) - 120, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, s.path("keys/\(name)"), &times, AT_SYMLINK_NOFOLLOW) == 0)
        }
        let check = s.run("fsck")
        #expect(check.code == 1 && check.out.contains("stale-key: ") && check.out.contains("knightly"), "\(check)")
        let repair = s.run("fsck", "--repair")
        #expect(repair.out.contains("stale-key: ") && repair.out.contains("[repaired]"), "\(repair)")
        #expect(s.files("keys").isEmpty, "\(s.files("keys"))")
    }

    /// A crash right after the marker was made durable (before the job is written) leaves a
    /// marker naming a job that does not exist: the key is not blocked.
    @Test func crashBetweenMarkerAndJobDoesNotBlockTheKey() throws {
        let s = TempSpool()
        #expect(s.run("status").code == 0)
        let crashed = s.run(["enqueue", "--unique-key", "k", "--command", "true"], env: ["QUEUECTL_CRASH_AT": "enqueue:keyed"])
        #expect(crashed.code == 128 + SIGKILL, "\(crashed)")
        #expect(s.files("keys").contains("kk") && s.ids(in: .pending).isEmpty, "\(s.files("keys"))")
        let r = s.run("enqueue", "--unique-key", "k", "--command", "true")
        #expect(r.code == 0)
        #expect(holders(s, "k") == [r.out.trimmingCharacters(in: .whitespacesAndNewlines)])
    }

    /// Bad keys exit 2 with a clear message and write nothing.
    @Test func invalidKeysAreRefusedWithExit2() throws {
        let s = TempSpool()
        #expect(s.run("status").code == 0)
        let before = s.snapshot()
        let cases: [([String], String)] = [
            (["enqueue", "--unique-key", "", "--command", "true"], "unique key is empty"),
            (["enqueue", "--unique-key", String(repeating: "x", count: 201), "--command", "true"], "at most 200"),
            (["enqueue", "--unique-key", "a\tb", "--command", "true"], "control character"),
            (["enqueue", #"{"command":"true","unique_key":7}"#], "field 'unique_key' must be a string"),
            (["enqueue", #"{"command":"true","unique_key":"\u0001"}"#], "control character"),
            (["enqueue", "-", "--unique-key", "k"], "--unique-key cannot be used with '-'"),
        ]
        for (args, message) in cases {
            let r = s.run(args, stdin: #"{"command":"true"}"#)
            #expect(r.code == 2, "\(args): \(r)")
            #expect(r.err.contains(message), "\(args): \(r.err)")
        }
        #expect(s.snapshot() == before)
        // 200 bytes (multi-byte characters included) is fine.
        let long = String(repeating: "é", count: 100)
        #expect(s.run("enqueue", "--unique-key", long, "--command", "true").code == 0)
        #expect(s.run("enqueue", "--unique-key", long, "--command", "true").lines.count == 1)
        #expect(s.ids(in: .pending).count == 1)
    }

    /// `POST /api/jobs` takes `unique_key` too: 201 for the new job, 200 with the holder after.
    @Test func webEnqueueWithAKey() throws {
        let s = TempSpool()
        let w = WebFixture(s)
        let first = try #require(w.request("POST", "/api/jobs", body: #"{"id":"w1","command":"true","unique_key":"web"}"#))
        #expect(first.status == 201, "\(first)")
        let second = try #require(w.request("POST", "/api/jobs", body: #"{"id":"w2","command":"true","unique_key":"web"}"#))
        #expect(second.status == 200 && second.object["id"] as? String == "w1", "\(second)")
        #expect(w.request("POST", "/api/jobs", body: #"{"command":"true","unique_key":""}"#)?.status == 400)
        #expect(s.ids(in: .pending) == ["w1"])
    }

    /// `enqueue -`: a key given twice in one batch, and a key already held, add nothing.
    @Test func batchWithKeys() throws {
        let s = TempSpool()
        let held = s.run("enqueue", "--id", "h", "--unique-key", "a", "--command", "true")
        try #require(held.code == 0)
        let r = s.run(["enqueue", "-"], stdin: """
            {"id":"x","command":"true","unique_key":"a"}
            {"id":"y","command":"true","unique_key":"b"}
            {"id":"z","command":"true","unique_key":"b"}
            {"id":"w","command":"true"}
            """)
        #expect(r.code == 0, "\(r)")
        #expect(r.lines == ["h", "y", "y", "w"])
        #expect(Set(s.ids(in: .pending)) == ["h", "y", "w"])
    }
}
