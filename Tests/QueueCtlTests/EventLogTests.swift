import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// The event log (`events/events.log`, `queuectl events`): one JSON line per transition,
/// through the real binary.
@Suite("event log")
struct EventLogTests {
    /// The events of the log (`events --json`), parsed.
    func events(_ s: TempSpool) throws -> [[String: Any]] {
        let r = s.run("events", "--json")
        try #require(r.code == 0, "\(r)")
        return try r.lines.map { try #require(parseJSON($0) as? [String: Any], "not a JSON object: \($0)") }
    }

    /// `from -> to` for each event of `job`, in order.
    func moves(_ all: [[String: Any]], _ job: String) -> [String] {
        all.filter { $0["job"] as? String == job }.map { "\($0["from"] as? String ?? "new")->\($0["to"] as? String ?? "?")" }
    }

    /// Enqueued, claimed, failed, claimed again from failed/, completed: exactly one line each,
    /// with the attempt counted so far and the worker on the claims and outcomes.
    @Test func oneLinePerTransitionOfAJobThatFailsThenCompletes() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.05"])
        let marker = s.scratch("failed-once")
        s.enqueue(#"{"id":"j","command":"test -e '\#(marker)' || { touch '\#(marker)'; exit 3; }","max_retries":2}"#)
        let w = s.run("worker", "start", "--exit-when-idle")
        try #require(w.code == 0, "\(w)")
        try #require(s.ids(in: .completed) == ["j"])
        let all = try events(s)
        let mine = all.filter { $0["job"] as? String == "j" }
        #expect(moves(all, "j") == ["new->pending", "pending->processing", "processing->failed", "failed->processing", "processing->completed"],
                "\(mine)")
        #expect(mine.map { $0["attempt"] as? Int ?? -1 } == [0, 1, 1, 2, 2], "\(mine)")
        let workerID = try #require(s.job("j")?["worker"] as? String)
        #expect(mine.dropFirst().allSatisfy { $0["worker"] as? String == workerID }, "\(mine)")
        #expect(mine.allSatisfy { $0["time"] is String && $0["host"] is String && $0["pid"] is Int }, "\(mine)")
        #expect((mine[2]["reason"] as? String)?.hasPrefix("exit code 3; retry due at ") == true, "\(mine[2])")
        // The human form names the same moves.
        let human = s.run("events").out
        #expect(human.contains(" j new -> pending attempt 0") && human.contains(" j processing -> completed attempt 2 worker \(workerID)"), "\(human)")
    }

    /// Admin moves: hold, release, retry (failed/), dlq retry, delete, purge; each one line.
    @Test func adminMovesAreLoggedOncePerMove() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.05", "backoff_base": "1000000", "backoff_max": "1000000"])
        s.enqueue(#"{"id":"h","command":"true"}"#)
        #expect(s.run("hold", "h").code == 0)
        #expect(s.run("release", "h").code == 0)
        #expect(s.run("hold", "h").code == 0)
        #expect(s.run("delete", "h").code == 0)
        s.enqueue(#"{"id":"f","command":"exit 3","max_retries":1}"#)
        s.enqueue(#"{"id":"d","command":"exit 4","max_retries":0}"#)
        s.enqueue(#"{"id":"c","command":"true"}"#)
        // f's retry is due in 1000 s: stop the worker once it waits in failed/.
        let w = s.startWorker()
        try #require(eventually { s.ids(in: .failed) == ["f"] && s.ids(in: .dead) == ["d"] && s.ids(in: .completed) == ["c"] })
        #expect(w.stop() == 0)
        #expect(s.run("retry", "f").code == 0)
        #expect(s.run("dlq", "retry", "d").code == 0)
        #expect(s.run("purge", "--older-than", "0").code == 0)
        let all = try events(s)
        #expect(moves(all, "h") == ["new->pending", "pending->held", "held->pending", "pending->held", "held->deleted"], "\(all)")
        #expect(moves(all, "f") == ["new->pending", "pending->processing", "processing->failed", "failed->pending"], "\(all)")
        #expect(moves(all, "d") == ["new->pending", "pending->processing", "processing->dead", "dead->pending"], "\(all)")
        #expect(moves(all, "c") == ["new->pending", "pending->processing", "processing->completed", "completed->purged"], "\(all)")
        let reasons = all.filter { $0["job"] as? String == "h" }.compactMap { $0["reason"] as? String }
        #expect(reasons == ["enqueued", "hold", "release", "hold"], "\(reasons)")
        #expect(all.first { $0["job"] as? String == "d" && $0["to"] as? String == "pending" && $0["from"] as? String == "dead" }?["reason"] as? String == "dlq retry")
    }

    /// Dependency moves (waiting/ → pending/) and the adoption of a file dropped into pending/.
    @Test func dependencyMovesAndAdoptionAreLogged() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.05", "drop_grace": "0"])
        s.enqueue(#"{"id":"a","command":"true"}"#)
        try #require(s.run("enqueue", "--id", "b", "--after", "a", "--command", "true").code == 0)
        s.write(s.path("pending/dropped.json"), #"{"command":"true"}"#)
        try #require(s.run("worker", "start", "--exit-when-idle").code == 0)
        let all = try events(s)
        #expect(moves(all, "b") == ["new->waiting", "waiting->pending", "pending->processing", "processing->completed"], "\(all)")
        #expect(moves(all, "dropped") == ["pending->pending", "pending->processing", "processing->completed"], "\(all)")
        #expect(all.first { $0["job"] as? String == "b" && $0["from"] as? String == "waiting" }?["reason"] as? String == "dependencies completed")
    }

    /// A worker killed during an attempt: recovery's move back to pending/ is one line too.
    @Test func recoveryOfAnInterruptedAttemptIsLogged() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.05"])
        s.enqueue(#"{"id":"r","command":"sleep 30"}"#)
        let w = s.startWorker()
        try #require(eventually { s.ids(in: .processing) == ["r"] && (try? moves(events(s), "r").count) == 2 })
        w.kill9()
        let rec = s.run("recover")
        #expect(rec.code == 0, "\(rec)")
        let all = try events(s)
        #expect(moves(all, "r") == ["new->pending", "pending->processing", "processing->pending"], "\(all)")
        let last = try #require(all.last { $0["job"] as? String == "r" })
        #expect((last["reason"] as? String)?.hasPrefix("recovered: worker ") == true, "\(last)")
        #expect(last["attempt"] as? Int == 1)
    }

    /// `events --follow` prints lines written after it started, keeps doing so across a rotation
    /// (event_log_max_bytes 4096), every line exactly once, and ends cleanly on SIGTERM.
    @Test func followPrintsNewLinesAcrossRotation() throws {
        let s = TempSpool()
        s.fast(["event_log_max_bytes": "4096", "event_log_keep": "3"])
        s.enqueue(#"{"id":"zero","command":"true"}"#)
        let f = s.start(["events", "--follow", "--json"])
        defer { f.kill9() }
        // The log exists before the follower starts: it prints the last lines, then new ones.
        #expect(f.waitFor(#""job":"zero""#), "follower printed: \(f.output)")
        s.enqueue(#"{"id":"first","command":"true"}"#)
        #expect(f.waitFor(#""job":"first""#), "follower printed: \(f.output)")
        // 40 more jobs, one enqueue each: well over 4096 bytes of lines, so the log rotates.
        for i in 0..<40 { s.enqueue(#"{"id":"n\#(i)","command":"true"}"#) }
        #expect(FileManager.default.fileExists(atPath: s.path("events/events.log.1")), "no rotation happened")
        s.enqueue(#"{"id":"last","command":"true"}"#)
        #expect(f.waitFor(#""job":"last""#), "follower printed: \(f.output)")
        f.signal(SIGTERM)
        #expect(f.wait(timeout: 10) == 0, "events --follow did not end cleanly: \(f.errors)")
        let printed = f.output.split(separator: "\n").compactMap { parseJSON(String($0)) as? [String: Any] }.compactMap { $0["job"] as? String }
        for id in ["zero", "first", "last"] + (0..<40).map({ "n\($0)" }) {
            #expect(printed.filter { $0 == id }.count == 1, "\(id) printed \(printed.filter { $0 == id }.count) times")
        }
        // `events` without --follow reads the rotated files first, then the current one.
        let history = try events(s).compactMap { $0["job"] as? String }
        #expect(history.last == "last")
    }

    /// `event_log false` writes nothing.
    @Test func disabledByConfig() throws {
        let s = TempSpool()
        s.fast(["event_log": "false"])
        s.enqueue(#"{"id":"x","command":"true"}"#)
        #expect(!FileManager.default.fileExists(atPath: s.path("events/events.log")))
        #expect(s.run("events").out.isEmpty)
    }
}
