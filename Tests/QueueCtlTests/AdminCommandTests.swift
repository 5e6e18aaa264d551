import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

@Suite("admin commands through the binary")
struct AdminCommandTests {
    @Test func statusListShowAndConfigListEmitJSON() throws {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"p1","command":"echo one","priority":4,"meta":"m"}"#)
        s.enqueue(#"{"id":"p2","command":"exit 9","max_retries":0}"#)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        s.enqueue(#"{"id":"p3","command":"true"}"#)

        let status = try #require(parseJSON(s.run("status", "--json").out) as? [String: Any], "status --json is not a JSON object")
        let counts = try #require(status["counts"] as? [String: Any])
        #expect(counts["pending"] as? Int == 1)
        #expect(counts["completed"] as? Int == 1)
        #expect(counts["dead"] as? Int == 1)
        #expect(counts["processing"] as? Int == 0)
        #expect(status["spool"] as? String == s.root)
        #expect(status["workers"] is [Any])

        let all = try #require(parseJSONLines(s.run("list", "--json").out), "list --json is not JSON lines")
        #expect(Set(all.compactMap { $0["id"] as? String }) == ["p1", "p2", "p3"])
        let dead = try #require(parseJSONLines(s.run("list", "--state", "dead", "--json").out))
        #expect(dead.map { $0["id"] as? String } == ["p2"])
        #expect(dead.first?["exit_code"] as? Int == 9)
        let limited = try #require(parseJSONLines(s.run("list", "--limit", "1", "--json").out))
        #expect(limited.count == 1)

        let show = s.run("show", "p1", "--json")  // plain `show` adds the history table
        #expect(show.code == 0)
        let job = try #require(parseJSON(show.out) as? [String: Any], "show is not a JSON object")
        #expect(job["id"] as? String == "p1")
        #expect(job["state"] as? String == "completed")
        #expect(job["priority"] as? Int == 4)
        #expect(job["meta"] as? String == "m")
        for key in ["id", "command", "state", "attempts", "max_retries", "priority", "created_at", "updated_at",
                    "run_at", "timeout", "exit_code", "last_error", "started_at", "finished_at", "worker"] {
            #expect(job[key] != nil, "show lacks \(key)")
        }

        let config = try #require(parseJSON(s.run("config", "list", "--json").out) as? [String: Any])
        #expect(config["time_unit"] != nil)
        #expect(s.run("config", "get", "time_unit").out == "0.001\n")
        let workers = s.run("worker", "list", "--json")
        #expect(workers.code == 0)
        #expect((parseJSON(workers.out) as? [Any])?.isEmpty == true)
    }

    @Test func deleteRefusesAProcessingJobWithExit1() throws {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"busy","command":"\#(s.waitForGate("go"))"}"#)
        s.enqueue(#"{"id":"idle","command":"true","run_at":"2099-01-01T00:00:00Z"}"#)
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(eventually { s.ids(in: .processing) == ["busy"] })
        let before = s.files("processing")
        let r = s.run("delete", "busy")
        #expect(r.code == 1, "\(r)")
        #expect(r.err.hasPrefix("queuectl delete: job busy is processing"), "\(r.err)")
        #expect(r.out.isEmpty)
        #expect(s.files("processing") == before)
        // A pending one can be deleted, with its marker (the id becomes free again).
        let d = s.run("delete", "idle")
        #expect(d.code == 0 && d.out == "deleted idle (was pending)\n", "\(d)")
        #expect(s.job("idle") == nil)
        #expect(!FileManager.default.fileExists(atPath: s.path("ids/idle")))
        #expect(s.run("enqueue", "--id", "idle", "--command", "true", "--delay", "100000").code == 0)
        // Mixed: one ok, one refused: exit 1, the ok one is done.
        let mixed = s.run("delete", "idle", "busy")
        #expect(mixed.code == 1)
        #expect(mixed.out == "deleted idle (was pending)\n")
        s.openGate("go")
        #expect(eventually { s.ids(in: .completed) == ["busy"] })
        #expect(w.stop() == 0)
        let done = s.run("delete", "busy")
        #expect(done.code == 0 && done.out == "deleted busy (was completed)\n", "\(done)")
        #expect(!FileManager.default.fileExists(atPath: s.path("logs/busy.log")))
    }

    @Test func holdKeepsAJobFromRunningUntilReleased() throws {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"h","command":"echo held"}"#)
        let r = s.run("hold", "h")
        #expect(r.code == 0 && r.out == "h\n", "\(r)")
        #expect(s.ids(in: .held) == ["h"])
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .held) == ["h"])
        #expect(s.job("h")?["attempts"] as? Int == 0)
        #expect(s.run("release", "h").code == 0)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .completed) == ["h"])
    }

    @Test func pauseStopsClaimingAndResumeRestartsIt() throws {
        let s = TempSpool()
        s.fast()
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(s.run("pause").code == 0)
        s.enqueue(#"{"id":"p","command":"true"}"#)
        usleep(500_000)  // > poll_interval: it had every chance to claim
        #expect(s.ids(in: .pending) == ["p"])
        #expect(s.run("resume").code == 0)
        #expect(eventually { s.ids(in: .completed) == ["p"] })
        #expect(w.stop() == 0)
    }

    @Test func handMovedDeadJobIsAdoptedWithAttemptsReset() throws {
        let s = TempSpool()
        s.fast()
        let gate = s.scratch("ok")
        s.enqueue(#"{"id":"m","command":"test -e '\#(gate)'","max_retries":0}"#)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .dead) == ["m"])
        s.write(gate, "")
        #expect(rename(s.path("dead/m.json"), s.path("pending/m.json")) == 0)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        let job = try #require(s.job("m"))
        #expect(job["state"] as? String == "completed")
        #expect(job["attempts"] as? Int == 1)
    }

    @Test func spoolIsPrivateAndAnUnsafeSpoolIsRefused() throws {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"x","command":"true"}"#)
        var st = stat()
        for dir in ["", "/pending", "/ids", "/logs", "/corrupt"] {
            #expect(lstat(s.root + dir, &st) == 0)
            #expect(st.st_mode & 0o777 == 0o700, "\(dir) mode \(String(st.st_mode & 0o777, radix: 8))")
        }
        let name = try #require(s.files("pending").first)
        #expect(lstat(s.path("pending/\(name)"), &st) == 0 && st.st_mode & 0o777 == 0o600)

        #expect(chmod(s.path("pending"), 0o777) == 0)
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 1, "\(w)")
        #expect(w.err.contains("unsafe spool") && w.err.contains("writable by other users"), "\(w.err)")
        #expect(s.ids(in: .pending) == ["x"])
        #expect(chmod(s.path("pending"), 0o700) == 0)

        // A state directory replaced by a symlink (to somewhere an attacker controls).
        let elsewhere = s.scratch("elsewhere")
        #expect(mkdir(elsewhere, 0o700) == 0)
        #expect(rename(s.path("failed"), elsewhere + "/failed") == 0)
        #expect(symlink(elsewhere + "/failed", s.path("failed")) == 0)
        let w2 = s.run("worker", "start", "--exit-when-idle")
        #expect(w2.code == 1, "\(w2)")
        #expect(w2.err.contains("is a symlink"), "\(w2.err)")
        #expect(s.ids(in: .pending) == ["x"])
    }

    @Test func logsOfAJobCoverEveryAttempt() {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"l","command":"echo attempt $QUEUECTL_ATTEMPT; echo err >&2; exit 1","max_retries":1}"#)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.run("logs", "l").out == "attempt 1\nerr\nattempt 2\nerr\n")
    }
}
