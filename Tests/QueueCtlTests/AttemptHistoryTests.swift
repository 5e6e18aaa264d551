import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// The exit-code contract (0 / 75 / 100) and each job's attempt history, through the binary.
@Suite("exit-code contract and attempt history")
struct AttemptHistoryTests {
    func history(_ s: TempSpool, _ id: String) throws -> [[String: Any]] {
        let show = s.run("show", id, "--json")
        let job = try #require(parseJSON(show.out) as? [String: Any], "\(show)")
        return try #require(job["history"] as? [[String: Any]], "no history in \(show.out)")
    }

    /// A job that fails twice (exit 3, then 4) and then succeeds has three entries with those
    /// exit codes and each attempt's own output; `show` prints them as an aligned table.
    @Test func failsTwiceThenSucceedsHasThreeEntries() throws {
        let s = TempSpool()
        s.fast(["backoff_base": "1"])
        let counter = s.scratch("counter")
        s.write(counter, "0\n")
        let command = "n=$(cat \(counter)); n=$((n+1)); echo $n > \(counter); echo \"attempt $n out\"; echo \"attempt $n err\" >&2; "
            + "[ $n -eq 1 ] && exit 3; [ $n -eq 2 ] && exit 4; exit 0"
        let e = s.run("enqueue", "--id", "j", "--max-retries", "5", "--command", command)
        try #require(e.code == 0, "\(e)")
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        let h = try history(s, "j")
        try #require(h.count == 3, "\(h)")
        #expect(h.map { $0["attempt"] as? Int } == [1, 2, 3])
        #expect(h.map { $0["exit_code"] as? Int } == [3, 4, 0])
        #expect(h.map { $0["outcome"] as? String } == ["failed", "failed", "completed"])
        #expect(h.map { $0["error"] as? String } == ["exit code 3", "exit code 4", nil])
        for (i, entry) in h.enumerated() {
            #expect(entry["output"] as? String == "attempt \(i + 1) out\nattempt \(i + 1) err", "\(entry)")
            #expect(entry["timed_out"] as? Bool == false)
            #expect(entry["signal"] is NSNull)
            #expect((entry["worker"] as? String)?.hasPrefix((entry["host"] as? String ?? "?") + "-\(entry["pid"] as? Int ?? -1)-") == true, "\(entry)")
            let started = try #require(seconds(entry, "started_at")), ended = try #require(seconds(entry, "ended_at"))
            #expect(ended >= started)
            #expect((entry["duration"] as? Double ?? -1) >= 0)
        }
        let job = try #require(s.job("j"))
        #expect(job["state"] as? String == "completed" && job["attempts"] as? Int == 3)

        let text = s.run("show", "j")
        #expect(text.code == 0)
        let lines = text.lines
        let header = try #require(lines.firstIndex { $0.hasPrefix("#  STARTED") }, "\(text.out)")
        #expect(lines.contains("history: 3 attempts"))
        let rows = lines[(header + 1)...].filter { !$0.hasPrefix("    |") }
        #expect(rows.count == 3, "\(rows)")
        // Aligned: every column starts at the same offset in the header and in each row.
        let outcomeColumn = try #require(lines[header].range(of: "OUTCOME")).lowerBound.utf16Offset(in: lines[header])
        for (row, outcome) in zip(rows, ["failed", "failed", "completed"]) {
            #expect(row.dropFirst(outcomeColumn).hasPrefix(outcome), "\(row)")
        }
        #expect(rows[0].contains("exit 3") && rows[1].contains("exit 4") && rows[2].contains("exit 0"))
        #expect(lines.contains("    | attempt 2 err"))
        #expect(!text.out.contains("\"history\""), "the table replaces the field in text output")
    }

    /// Exit 100 is a permanent failure: dead after one attempt whatever max_retries says.
    @Test func exit100GoesStraightToDead() throws {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"p","command":"echo no; exit 100","max_retries":5}"#)
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0)
        #expect(s.ids(in: .dead) == ["p"])
        let job = try #require(s.job("p"))
        #expect(job["attempts"] as? Int == 1)
        #expect(job["exit_code"] as? Int == 100)
        #expect(job["last_error"] as? String == "exit code 100 (permanent failure: not retried)")
        let h = try history(s, "p")
        #expect(h.count == 1 && h.first?["outcome"] as? String == "dead" && h.first?["output"] as? String == "no")
    }

    /// Exit 75 (EX_TEMPFAIL) retries as usual, and so does any other non-zero code.
    @Test func exit75Retries() throws {
        let s = TempSpool()
        s.fast(["backoff_base": "1"])
        s.enqueue(#"{"id":"t","command":"exit 75","max_retries":2}"#)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .dead) == ["t"])
        #expect(s.job("t")?["attempts"] as? Int == 3)
        let h = try history(s, "t")
        #expect(h.map { $0["exit_code"] as? Int } == [75, 75, 75])
        #expect(h.map { $0["outcome"] as? String } == ["failed", "failed", "dead"])
    }

    /// The history keeps the last 20 attempts and counts the older ones; the output tail is
    /// bounded (last 10 lines, 2 KiB); a timeout is recorded as such.
    @Test func historyAndOutputAreBounded() throws {
        let s = TempSpool()
        s.fast(["backoff_base": "1"])
        s.enqueue(#"{"id":"many","command":"for i in $(seq 1 30); do echo line $i; done; exit 1","max_retries":24}"#)
        s.enqueue(#"{"id":"wide","command":"head -c 5000 /dev/zero | tr '\\0' x; echo; echo end","max_retries":0}"#)
        s.enqueue(#"{"id":"slow","command":"echo before; sleep 5","max_retries":0,"timeout":100}"#)
        #expect(s.run("worker", "start", "--exit-when-idle", "--count", "2").code == 0)
        let show = try #require(parseJSON(s.run("show", "many", "--json").out) as? [String: Any])
        let h = try #require(show["history"] as? [[String: Any]])
        #expect(h.count == 20)
        #expect(show["history_dropped"] as? Int == 5)
        #expect(h.first?["attempt"] as? Int == 6 && h.last?["attempt"] as? Int == 25)
        #expect(h.last?["output"] as? String == (21...30).map { "line \($0)" }.joined(separator: "\n"))
        #expect(s.run("show", "many").out.contains("history: 20 attempts (5 older not kept)"))

        let wide = try history(s, "wide")
        #expect(wide.first?["output"] as? String == "end", "a line cut by the 2 KiB bound is left out")

        let slow = try history(s, "slow")
        #expect(slow.first?["timed_out"] as? Bool == true)
        #expect(slow.first?["signal"] as? Int != nil && slow.first?["exit_code"] is NSNull)
        #expect(slow.first?["output"] as? String == "before")
    }

    /// An attempt whose worker was killed (`kill -9`) gets its entry from recovery.
    @Test func interruptedAttemptIsRecordedByRecovery() throws {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"i","command":"echo started; \#(s.waitForGate("never"))","max_retries":3}"#)
        let w = s.startWorker()
        #expect(w.waitFor("start i attempt 1"))
        w.kill9()
        let r = s.run("recover")
        #expect(r.code == 0, "\(r)")
        #expect(s.ids(in: .pending) == ["i"])
        let h = try history(s, "i")
        try #require(h.count == 1, "\(h)")
        #expect(h[0]["outcome"] as? String == "interrupted")
        #expect(h[0]["attempt"] as? Int == 1)
        #expect(h[0]["ended_at"] is NSNull)
        #expect((h[0]["error"] as? String)?.hasPrefix("interrupted: worker ") == true)
        #expect(h[0]["pid"] as? Int == Int(w.pid))
        #expect(s.run("show", "i").out.contains("interrupted"))
    }

    /// A new enqueue starts without history, whatever its JSON says.
    @Test func enqueueDropsAGivenHistory() throws {
        let s = TempSpool()
        s.enqueue(#"{"id":"n","command":"true","history":[{"attempt":1}],"history_dropped":3}"#)
        let job = try #require(s.job("n"))
        #expect(job["history"] == nil && job["history_dropped"] == nil)
        #expect(s.run("show", "n").out.contains("history: no attempts yet"))
    }
}
