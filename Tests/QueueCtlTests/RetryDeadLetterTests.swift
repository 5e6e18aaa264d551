import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

@Suite("retries, backoff and the dead letter queue")
struct RetryDeadLetterTests {
    /// Runs a job that always fails with max_retries 3 and checks the attempts, the growing
    /// delays between them (backoff 5^n units of 4 ms: 20, 100, 500 ms) and the dead end.
    func retriesThenDies(command: String, exitCode: Int, errorText: String) throws {
        let s = TempSpool()
        s.fast(["time_unit": "0.004", "backoff_base": "5", "poll_interval": "0.05"])
        s.enqueue(#"{"id":"j","command":"\#(command)","max_retries":3}"#)
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        let lines = workerLines(w.out)
        let starts = lines.filter { $0.text.hasPrefix("start j attempt ") }
        let ends = lines.filter { $0.text.hasPrefix("end j ") }
        // Exactly max_retries + 1 attempts, numbered 1...4.
        try #require(starts.count == 4, "\(w.out)")
        try #require(ends.count == 4, "\(w.out)")
        for (i, l) in starts.enumerated() { #expect(l.text.hasPrefix("start j attempt \(i + 1): ")) }
        for l in ends.prefix(3) { #expect(l.text.hasPrefix("end j failed: \(errorText); retry at "), "\(l)") }
        #expect(ends[3].text.hasPrefix("end j dead: \(errorText)"), "\(ends[3])")

        // Never started before the announced retry time, which grows as backoff_base ^ n.
        for n in 0..<3 {
            let text = ends[n].text
            let afterAt = try #require(text.range(of: "retry at ")?.upperBound)
            let stamp = text[afterAt...].split(separator: " ").first.map(String.init) ?? ""
            let retryAt = try #require(Timestamp(iso8601: stamp)).secondsSinceEpoch
            let backoff = [0.020, 0.100, 0.500][n]
            #expect(retryAt - ends[n].time <= backoff + 0.001, "retry at is \(retryAt - ends[n].time) s after the end line")
            #expect(retryAt - ends[n].time > backoff - 0.1)
            #expect(starts[n + 1].time >= retryAt, "attempt \(n + 2) started before its retry time")
        }

        #expect(s.ids(in: .dead) == ["j"])
        #expect(s.files("pending").isEmpty && s.files("failed").isEmpty && s.files("processing").isEmpty)
        let job = try #require(s.job("j"))
        #expect(job["state"] as? String == "dead")
        #expect(job["attempts"] as? Int == 4)
        #expect(job["exit_code"] as? Int == exitCode)
        #expect(job["last_error"] as? String == errorText)
        let started = try #require(seconds(job, "started_at")), finished = try #require(seconds(job, "finished_at"))
        #expect(finished >= started)
    }

    @Test func failingJobRetriesWithGrowingDelaysThenDies() throws {
        try retriesThenDies(command: "exit 3", exitCode: 3, errorText: "exit code 3")
    }

    @Test func missingCommandRetriesWithGrowingDelaysThenDies() throws {
        try retriesThenDies(command: "no_such_command_queuectl_test", exitCode: 127,
                            errorText: "exit code 127 (command not found)")
    }

    @Test func maxRetriesFromConfigWhenTheJobSetsNone() throws {
        let s = TempSpool()
        s.fast(["max_retries": "1"])
        s.enqueue(#"{"id":"j","command":"exit 1"}"#)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.job("j")?["attempts"] as? Int == 2)
        #expect(s.ids(in: .dead) == ["j"])
    }

    @Test func backoffIsCappedByBackoffMax() throws {
        let s = TempSpool()
        // Without the cap, the second retry would wait 100^2 units = 10 s.
        s.fast(["time_unit": "0.001", "backoff_base": "100", "backoff_max": "150"])
        s.enqueue(#"{"id":"j","command":"exit 1","max_retries":2}"#)
        let t0 = wallNow()
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(wallNow() - t0 < 5, "backoff_max did not cap the wait")
        #expect(s.job("j")?["attempts"] as? Int == 3)
    }

    @Test func dlqRetryBringsADeadJobBackWithAttemptsReset() throws {
        let s = TempSpool()
        s.fast()
        let gate = s.scratch("fixed")
        s.enqueue(#"{"id":"flaky","command":"test -e '\#(gate)' && echo fixed","max_retries":1,"team":"a"}"#)
        s.enqueue(#"{"id":"fine","command":"true"}"#)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .dead) == ["flaky"])
        #expect(s.job("flaky")?["attempts"] as? Int == 2)

        let list = s.run("dlq", "list", "--json")
        #expect(list.code == 0, "\(list)")
        let dead = try #require(parseJSONLines(list.out))
        #expect(dead.map { $0["id"] as? String } == ["flaky"])

        // Refusals first: not dead, unknown, invalid.
        let notDead = s.run("dlq", "retry", "fine")
        #expect(notDead.code == 1 && notDead.err.contains("not dead"), "\(notDead)")
        let unknown = s.run("dlq", "retry", "ghost")
        #expect(unknown.code == 1 && unknown.err.contains("ghost"), "\(unknown)")
        let invalid = s.run("dlq", "retry", "../flaky")
        #expect(invalid.code == 2, "\(invalid)")
        #expect(s.ids(in: .dead) == ["flaky"])

        let r = s.run("dlq", "retry", "flaky")
        #expect(r.code == 0, "\(r)")
        #expect(r.out == "flaky\n")
        #expect(s.ids(in: .pending) == ["flaky"])
        #expect(s.ids(in: .dead).isEmpty)
        let back = try #require(s.job("flaky"))
        #expect(back["state"] as? String == "pending")
        #expect(back["attempts"] as? Int == 0)
        #expect(back["team"] as? String == "a")

        s.write(gate, "")
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(w.out.contains("start flaky attempt 1:"), "\(w.out)")
        let done = try #require(s.job("flaky"))
        #expect(done["state"] as? String == "completed")
        #expect(done["attempts"] as? Int == 1)
        #expect(s.run("logs", "flaky").out.hasSuffix("fixed\n"))
    }

    @Test func dlqRetryAllAndDelete() throws {
        let s = TempSpool()
        s.fast()
        for id in ["d1", "d2", "d3"] { s.enqueue(#"{"id":"\#(id)","command":"exit 2","max_retries":0}"#) }
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .dead) == ["d1", "d2", "d3"])
        let del = s.run("dlq", "delete", "d3")
        #expect(del.code == 0 && del.out == "d3\n", "\(del)")
        #expect(s.job("d3") == nil)
        #expect(!FileManager.default.fileExists(atPath: s.path("logs/d3.log")))
        let all = s.run("dlq", "retry", "--all")
        #expect(all.code == 0, "\(all)")
        #expect(Set(all.lines) == ["d1", "d2"])
        #expect(s.ids(in: .pending).sorted() == ["d1", "d2"])
        #expect(s.ids(in: .dead).isEmpty)
        let both = s.run("dlq", "retry", "--all", "d1")
        #expect(both.code == 2, "\(both)")
    }
}
