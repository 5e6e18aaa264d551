import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Issue 13, `queuectl why ID`, through the binary: one line per situation, `--json`, and the
/// exit codes for an unknown and an invalid id.
@Suite("queuectl why", .serialized)
struct WhyTests {
    func why(_ s: TempSpool, _ id: String) -> String {
        let r = s.run("why", id)
        #expect(r.code == 0, "\(r)")
        #expect(r.lines.count == 1, "one line: \(r)")
        return r.out.trimmingCharacters(in: .newlines)
    }

    func whyJSON(_ s: TempSpool, _ id: String) -> [String: Any] {
        let r = s.run("why", id, "--json")
        #expect(r.code == 0, "\(r)")
        return parseJSON(r.out) as? [String: Any] ?? [:]
    }

    @Test func situationsWithoutAWorker() throws {
        let s = TempSpool()
        s.fast()
        #expect(s.run("enqueue", "--id", "later", "--run-at", "2099-01-02T03:04:05Z", "--command", "true").code == 0)
        #expect(why(s, "later") == "later: due at 2099-01-02T03:04:05.000000Z")
        #expect(whyJSON(s, "later")["reason"] as? String == "due_later")

        #expect(s.run("enqueue", "--id", "first", "--command", "true").code == 0)
        #expect(why(s, "first").hasPrefix("first: ready since "), "\(why(s, "first"))")
        #expect(why(s, "first").hasSuffix("the next free worker slot takes it (no worker is running)"))
        let ready = whyJSON(s, "first")
        #expect(ready["reason"] as? String == "ready" && ready["state"] as? String == "pending" && ready["id"] as? String == "first")

        #expect(s.run("enqueue", "--id", "next", "--after", "first,later", "--command", "true").code == 0)
        #expect(why(s, "next") == "next: waiting for jobs first (pending), later (pending)")
        let waiting = whyJSON(s, "next")
        #expect(waiting["reason"] as? String == "waiting_for_dependency")
        #expect((waiting["waiting_for"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["first", "later"])

        #expect(s.run("hold", "first").code == 0)
        #expect(why(s, "first") == "first: held: never claimed until released (queuectl release first)")
        #expect(why(s, "next") == "next: waiting for jobs first (held), later (pending)")
        #expect(s.run("release", "first").code == 0)

        #expect(s.run("pause").code == 0)
        #expect(why(s, "first").hasPrefix("first: queue paused: due since "), "\(why(s, "first"))")
        #expect(whyJSON(s, "first")["reason"] as? String == "paused")
        #expect(s.run("resume").code == 0)

        #expect(s.run("config", "set", "group.g.limit", "2").code == 0)
        #expect(s.run("enqueue", "--id", "grouped", "--group", "g", "--command", "true").code == 0)
        #expect(why(s, "grouped").hasPrefix("grouped: ready since "), "a group below its limit is no reason")

        let unknown = s.run("why", "nosuchjob")
        #expect(unknown.code == 1 && unknown.out.isEmpty && unknown.err.contains("no such job: nosuchjob"), "\(unknown)")
        let invalid = s.run("why", "a/b")
        #expect(invalid.code == 2 && invalid.err.contains("invalid job id"), "\(invalid)")
        #expect(s.run("why").code == 2)
    }

    @Test func situationsWithAWorker() throws {
        let s = TempSpool()
        s.fast(["backoff_base": "1000000", "backoff_max": "1000000", "poll_interval": "0.05"])
        #expect(s.run("config", "set", "group.g.limit", "1").code == 0)
        let gated = s.waitForGate("go")
        #expect(s.run(["enqueue", "--id", "g1", "--group", "g", "--command", gated]).code == 0)
        #expect(s.run(["enqueue", "--id", "g2", "--group", "g", "--command", "true"]).code == 0)
        #expect(s.run(["enqueue", "--id", "ok", "--command", "true"]).code == 0)
        #expect(s.run(["enqueue", "--id", "bad", "--max-retries", "0", "--command", "exit 3"]).code == 0)
        #expect(s.run(["enqueue", "--id", "flaky", "--max-retries", "2", "--command", "exit 4"]).code == 0)
        let w = s.startWorker(["--count", "3"])
        defer { w.kill9() }
        #expect(eventually { s.ids(in: .processing) == ["g1"] && s.ids(in: .completed) == ["ok"] && s.ids(in: .dead) == ["bad"]
            && s.ids(in: .failed) == ["flaky"] }, "\(w.output)")

        let workerID = try #require(w.output.split(separator: " ").dropFirst(2).first.map(String.init))
        let running = why(s, "g1")
        #expect(running.hasPrefix("g1: running: owned by worker \(workerID) on host \(ProcessIdentity.hostName()) (pid \(w.pid), lease until "),
                "\(running)")
        #expect(running.contains("attempt 1 since "), "\(running)")
        let owner = whyJSON(s, "g1")
        #expect(owner["reason"] as? String == "running" && owner["worker"] as? String == workerID && owner["pid"] as? Int == Int(w.pid))

        #expect(why(s, "g2") == "g2: group g full (1 of 1 running)")
        let full = whyJSON(s, "g2")
        #expect(full["reason"] as? String == "group_full" && full["running"] as? Int == 1 && full["limit"] as? Int == 1)

        let finished = try #require(s.job("ok")?["finished_at"] as? String)
        #expect(why(s, "ok") == "ok: completed at \(finished) after 1 attempt")
        #expect(why(s, "bad") == "bad: dead after 1 attempt; last error: exit code 3")
        #expect(whyJSON(s, "bad")["last_error"] as? String == "exit code 3")
        let retryAt = try #require(s.job("flaky")?["run_at"] as? String)
        #expect(why(s, "flaky") == "flaky: failed (attempt 1 of 3: exit code 4); retry at \(retryAt)")
        #expect(whyJSON(s, "flaky")["reason"] as? String == "retry_wait")

        // The worker dies under its job: the claim's owner is gone.
        w.signal(SIGKILL)
        #expect(w.wait(timeout: 10) == 128 + SIGKILL)
        let orphaned = why(s, "g1")
        #expect(orphaned.hasPrefix("g1: claimed by worker \(workerID) on host \(ProcessIdentity.hostName()), which is gone (worker \(workerID) is dead)"),
                "\(orphaned)")
        #expect(whyJSON(s, "g1")["reason"] as? String == "orphaned")
        s.openGate("go")
    }
}
