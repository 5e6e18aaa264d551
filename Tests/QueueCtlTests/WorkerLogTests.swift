import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Issue 8, defect 12 and "also fix": background worker logs apart from job logs, kept and
/// readable after the worker exited; dead workers' registrations removed by `recover`; a
/// signalled worker listed as stopping.
@Suite("worker logs and registrations", .serialized)
struct WorkerLogTests {
    /// The `log` field of a worker's registration.
    private func registeredLog(_ s: TempSpool, _ id: String) -> String? {
        let data = FileManager.default.contents(atPath: s.path("workers/\(id).json")) ?? Data()
        return ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["log"] as? String
    }

    @Test func jobLogsCannotReachAWorkersLog() throws {
        let s = TempSpool()
        s.fast()
        let start = s.run("worker", "start", "--background")
        #expect(start.code == 0, "\(start)")
        let wid = start.out.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { s.run("worker", "stop", "--timeout", "10") }
        let log = try #require(registeredLog(s, wid))
        // A job whose id is the log's own name (worker-<time> in the old layout) and one whose id is the worker id.
        let logStem = String(URL(fileURLWithPath: log).lastPathComponent.dropLast(4))
        var ids = [wid]
        if logStem != wid { ids.append(logStem) }
        for id in ids { s.run(["enqueue", "--id", id, "--command", "echo JOB-$((40+2))-OUTPUT"]) }
        #expect(s.run(["wait"] + ids + ["--timeout", "20"]).code == 0)
        let before = s.run("worker", "logs", wid)
        #expect(before.code == 0 && before.out.contains("started"), "\(before)")
        #expect(!before.out.contains("JOB-42-OUTPUT"), "a job wrote into the worker's log: \(before.out)")
        for id in ids { #expect(s.run("logs", id).out == "JOB-42-OUTPUT\n") }
        for id in ids { #expect(s.run("delete", id).code == 0) }
        #expect(FileManager.default.fileExists(atPath: log), "deleting a job deleted the worker's log \(log)")
        let after = s.run("worker", "logs", wid)
        #expect(after.code == 0 && after.out.contains("started"), "\(after)")
    }

    @Test func workerLogsWorksAfterTheWorkerExited() throws {
        let s = TempSpool()
        s.fast()
        let start = s.run("worker", "start", "--background")
        #expect(start.code == 0, "\(start)")
        let wid = start.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(s.run("worker", "stop", "--wait", "--timeout", "10").code == 0)
        #expect(!FileManager.default.fileExists(atPath: s.path("workers/\(wid).json")))
        let r = s.run("worker", "logs", wid)
        #expect(r.code == 0 && r.out.contains("worker \(wid) started") && r.out.contains("worker stopped"), "\(r)")
        let tail = s.run("worker", "logs", wid, "--lines", "1")
        #expect(tail.code == 0 && tail.lines.count == 1 && tail.out.contains("worker stopped"), "\(tail)")
        #expect(s.run("worker", "logs", "nosuch-1-2").code != 0)
    }

    @Test func recoverRemovesRegistrationsOfDeadWorkers() throws {
        let s = TempSpool()
        s.fast(["backoff_base": "1"])
        s.run(["enqueue", "--id", "held-by-dead", "--command", s.waitForGate("gate"), "--max-retries", "0"])
        let victim = s.startWorker()
        let vid = try #require(victim.output.split(separator: " ").first { ProcessTag($0) != nil }.map(String.init))
        #expect(victim.waitFor("start held-by-dead"))
        let alive = s.startWorker()
        defer { s.openGate("gate"); alive.stop() }
        victim.signal(SIGKILL)
        _ = victim.wait(timeout: 10)
        #expect(s.run("worker", "list").out.contains("\(vid)  stale"))
        let r = s.run("recover")
        #expect(r.out.contains("removed the registration of dead worker \(vid)"), "\(r)")
        // Its claim is recovered first: by `recover`, or already by the live worker's periodic
        // recovery (every second with these settings) when `recover` came later than that.
        #expect(r.out.contains("held-by-dead") || alive.output.contains("recovered held-by-dead"),
                "its claim is recovered first: \(r)\n\(alive.output)")
        #expect(s.files("processing").isEmpty)
        let list = s.run("worker", "list")
        #expect(!list.out.contains(vid), "\(list)")
        #expect(list.out.contains("alive"), "the live worker stays registered: \(list)")
        #expect(!s.run("recover").out.contains("removed the registration"))
    }

    @Test func signalledWorkerIsListedAsStopping() throws {
        let s = TempSpool()
        s.fast()
        s.run(["enqueue", "--id", "slow", "--command", s.waitForGate("gate")])
        let w = s.startWorker()
        defer { s.openGate("gate"); w.stop() }
        #expect(w.waitFor("start slow"))
        #expect(s.run("worker", "list").out.contains("  alive  "))
        w.signal(SIGTERM)
        #expect(w.waitFor("stopping:"))
        #expect(eventually(timeout: 5) { s.run("worker", "list").out.contains("  stopping  ") }, "\(s.run("worker", "list"))")
        s.openGate("gate")
        #expect(w.wait(timeout: 20) == 0)
        #expect(s.run("worker", "list").out.contains("no workers are registered"))
    }
}
