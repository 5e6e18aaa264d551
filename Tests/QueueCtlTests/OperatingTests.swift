import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Issue 4 through the binary: instant wake-up, wait, follow, retry, purge, dependencies,
/// background workers and stop escalation.
@Suite("operating the queue", .serialized)
struct OperatingTests {
    @Test func idleWorkerWakesOnInotifyNotOnPoll() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "30"])  // only a notification can explain a quick start
        let w = s.startWorker()
        defer { w.stop() }
        #expect(s.run("enqueue", "--id", "wake", "--command", "true").code == 0)
        let r = s.run("wait", "wake", "--timeout", "10")
        #expect(r.code == 0, "\(r)")
        let job = try #require(s.job("wake"))
        let created = try #require(seconds(job, "created_at")), started = try #require(seconds(job, "started_at"))
        #expect(started - created < 10, "started \(started - created) s after enqueue; poll_interval is 30 s")
    }

    @Test func waitExitCodes() throws {
        let s = TempSpool()
        s.fast()
        s.run("enqueue", "--id", "ok", "--command", "true")
        s.run("enqueue", "--id", "bad", "--command", "exit 1", "--max-retries", "0")
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        s.run("enqueue", "--id", "later", "--command", "true", "--delay", "100000")
        #expect(s.run("wait", "ok").code == 0)
        let dead = s.run("wait", "ok", "bad")
        #expect(dead.code == 1 && dead.err.contains("bad ended dead"), "\(dead)")
        let timeout = s.run("wait", "later", "--timeout", "0.2")
        #expect(timeout.code == 124 && timeout.err.contains("timed out"), "\(timeout)")
        #expect(s.run("wait", "nosuch").code == 1)
        #expect(s.run("wait").code == 2)
    }

    @Test func logsFollowStreamsUntilTheJobFinishes() throws {
        let s = TempSpool()
        s.fast()
        s.run("enqueue", "--id", "f", "--command", "echo one; \(s.waitForGate("g")); echo two")
        let w = s.startWorker()
        defer { w.stop() }
        #expect(eventually { s.read(s.path("logs/f.log")).contains("one") })
        let follower = s.start(["logs", "f", "--follow"])
        #expect(follower.waitFor("one"))
        #expect(follower.wait(timeout: 0.3) == nil, "follow must keep running while the job runs")
        s.openGate("g")
        #expect(follower.wait(timeout: 20) == 0)
        #expect(follower.output == "one\ntwo\n")
    }

    @Test func retryMakesABackedOffJobDueNow() throws {
        let s = TempSpool()
        s.fast(["time_unit": "1", "backoff_base": "1000"])  // the backoff is 1000 s
        s.run("enqueue", "--id", "r", "--command", "test -e \(s.scratch("flag"))", "--max-retries", "2")
        let w = s.startWorker()
        #expect(eventually { s.ids(in: .failed) == ["r"] })
        #expect(w.stop() == 0)
        s.write(s.scratch("flag"), "")
        #expect(s.run("retry", "r").code == 0)
        #expect(s.ids(in: .pending) == ["r"])
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .completed) == ["r"])
        #expect(s.job("r")?["attempts"] as? Int == 2)
        #expect(s.run("retry", "r").code == 1, "a completed job is not in failed/")
    }

    @Test func purgeRemovesOldFinishedJobs() throws {
        let s = TempSpool()
        s.fast()
        s.run("enqueue", "--id", "c", "--command", "echo out")
        s.run("enqueue", "--id", "d", "--command", "exit 1", "--max-retries", "0")
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        s.run("enqueue", "--id", "p", "--command", "true", "--delay", "100000")
        let none = s.run("purge", "--older-than", "7d")
        #expect(none.code == 0 && none.out == "purged 0 jobs\n", "\(none)")
        let onlyDead = s.run("purge", "--older-than", "0", "--state", "dead")
        #expect(onlyDead.out == "purged 1 job\n", "\(onlyDead)")
        #expect(s.files("dead").isEmpty && s.ids(in: .completed) == ["c"])
        #expect(s.run("purge", "--older-than", "0").out == "purged 1 job\n")
        #expect(s.files("completed").isEmpty && !s.files("logs").contains("c.log") && !s.files("ids").contains("c"))
        #expect(s.ids(in: .pending) == ["p"], "purge never touches pending jobs")
        #expect(s.run("purge", "--older-than", "soon").code == 2)
        #expect(s.run("purge", "--older-than", "1d", "--state", "pending").code == 2)
    }

    @Test func dependenciesInBothOutcomes() throws {
        let s = TempSpool()
        s.fast()
        s.run("enqueue", "--id", "a", "--command", "true")
        s.run("enqueue", "--id", "bad", "--command", "exit 1", "--max-retries", "0")
        #expect(s.run("enqueue", "--id", "b", "--command", "true", "--after", "a").code == 0)
        #expect(s.run("enqueue", "--id", "c", "--command", "true", "--after", "a,bad").code == 0)
        #expect(s.ids(in: .waiting) == ["b", "c"])
        #expect(s.run("enqueue", "--id", "x", "--command", "true", "--after", "nosuch").code == 1)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .completed).sorted() == ["a", "b"])
        #expect(s.ids(in: .dead).sorted() == ["bad", "c"])
        #expect((s.job("c")?["last_error"] as? String)?.contains("dependency bad ended dead") == true)
        #expect(s.job("c")?["attempts"] as? Int == 0, "c never ran")
        let wa = try #require(seconds(s.job("a"), "finished_at")), wb = try #require(seconds(s.job("b"), "started_at"))
        #expect(wb >= wa, "b started before a finished")
    }

    @Test func backgroundWorkerStartListStopAndEscalation() throws {
        let s = TempSpool()
        s.fast(["kill_grace": "0.2"])
        let started = s.run("worker", "start", "--background", "--count", "2")
        #expect(started.code == 0, "\(started)")
        let id = started.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let tag = try #require(ProcessTag(id))
        #expect(!tag.isDeadOnThisHost)
        let list = s.run("worker", "list")
        #expect(list.out.contains(id) && list.out.contains("alive"), "\(list)")
        // A job that ignores the graceful stop: stop --timeout escalates.
        s.run("enqueue", "--id", "stubborn", "--command", "trap '' TERM; sleep 30")
        #expect(eventually { s.ids(in: .processing) == ["stubborn"] })
        let stop = s.run("worker", "stop", "--timeout", "0.3")
        #expect(stop.code == 0 && stop.out.contains("forcefully"), "\(stop)")
        #expect(eventually(timeout: 10) { tag.isDeadOnThisHost })
        #expect(s.files("workers") == ["\(id).log"], "only its log is kept")
        #expect(s.ids(in: .processing).isEmpty)
        let job = try #require(s.job("stubborn"))
        #expect((job["last_error"] as? String)?.contains("stopped") == true, "\(job)")
        let logs = s.run("worker", "logs", id)
        #expect(logs.code == 0 && logs.out.contains("worker \(id) started"), "the log outlives the worker: \(logs)")
        // A worker with nothing running stops gracefully with --wait.
        let again = s.run("worker", "start", "--background")
        let id2 = again.out.trimmingCharacters(in: .whitespacesAndNewlines)
        var all = s.run("worker", "logs", id2)
        #expect(eventually { all = s.run("worker", "logs", id2); return all.out.contains("worker \(id2) started") }, "\(all)")
        let last = s.run("worker", "logs", id2, "--lines", "1")
        #expect(last.code == 0 && last.out.split(separator: "\n").count == 1, "\(last)")
        #expect(s.run("worker", "stop", "--wait").code == 0)
        #expect(ProcessTag(id2)?.isDeadOnThisHost == true)
    }
}
