import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

@Suite("enqueue through the binary")
struct EnqueueTests {
    @Test func priorityOrderThenFIFOWithinPriority() {
        let s = TempSpool()
        s.fast()
        // Enqueued in a mixed order, one process each, so creation times strictly increase.
        let plan: [(String, Int)] = [("low1", -3), ("mid1", 0), ("high1", 5), ("mid2", 0),
                                     ("high2", 5), ("low2", -3), ("mid3", 0), ("top", 9999)]
        for (id, p) in plan {
            let r = s.run(["enqueue", "--id", id, "--command", "true", "--priority", String(p)])
            #expect(r.code == 0, "\(r)")
        }
        #expect(s.job("top")?["priority"] as? Int == 9999)
        let w = s.run("worker", "start", "--count", "1", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(startedIDs(w.out) == ["top", "high1", "high2", "mid1", "mid2", "mid3", "low1", "low2"], "\(w.out)")
        #expect(s.ids(in: .completed).count == plan.count)
    }

    @Test func batchOnStdinKeepsItsOrderAndPriorityFieldCounts() {
        let s = TempSpool()
        s.fast()
        var lines: [String] = []
        for i in 0..<12 { lines.append(#"{"id":"b\#(i)","command":"true"}"#) }
        lines.insert(#"{"id":"urgent","command":"true","priority":3}"#, at: 6)
        let r = s.run(["enqueue", "-"], stdin: lines.joined(separator: "\n") + "\n")
        #expect(r.code == 0, "\(r)")
        #expect(r.lines == (0..<6).map { "b\($0)" } + ["urgent"] + (6..<12).map { "b\($0)" })
        let w = s.run("worker", "start", "--count", "1", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(startedIDs(w.out) == ["urgent"] + (0..<12).map { "b\($0)" }, "\(w.out)")
    }

    @Test func delayedJobDoesNotRunBeforeItIsDue() throws {
        let s = TempSpool()
        s.fast()  // time_unit 0.001: --delay 500 is 0.5 s
        #expect(s.run("enqueue", "--id", "later", "--command", "true", "--delay", "500").code == 0)
        #expect(s.run("enqueue", "--id", "now", "--command", "true").code == 0)
        let job = try #require(s.job("later"))
        let created = try #require(seconds(job, "created_at")), runAt = try #require(seconds(job, "run_at"))
        #expect(abs(runAt - created - 0.5) < 0.01, "run_at \(runAt) created_at \(created)")

        let worker = s.startWorker()
        #expect(eventually { s.ids(in: .completed).count == 2 }, "\(worker.output)")
        #expect(worker.stop() == 0)
        let w = RunResult(code: 0, out: worker.output, err: worker.errors)
        #expect(startedIDs(w.out) == ["now", "later"])
        let done = try #require(s.job("later"))
        #expect(done["state"] as? String == "completed")
        let started = try #require(seconds(done, "started_at"))
        #expect(started >= runAt, "started \(started) before due \(runAt)")
        let line = try #require(workerLines(w.out).first { $0.text.hasPrefix("start later ") })
        #expect(line.time >= runAt)
    }

    @Test func runAtIsRespectedAndAFarFutureJobStaysPending() throws {
        let s = TempSpool()
        s.fast()
        let soon = Timestamp.now().adding(seconds: 0.4)
        let far = Timestamp.now().adding(seconds: 3600)
        #expect(s.run("enqueue", "--id", "soon", "--command", "true", "--run-at", soon.iso8601).code == 0)
        #expect(s.run("enqueue", "--id", "far", "--command", "true", "--run-at", far.iso8601).code == 0)
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(eventually(timeout: 10) { s.ids(in: .completed) == ["soon"] })
        let started = try #require(seconds(s.job("soon"), "started_at"))
        #expect(started >= soon.secondsSinceEpoch)
        #expect(w.stop() == 0)
        #expect(s.ids(in: .pending) == ["far"])
        #expect(s.job("far")?["attempts"] as? Int == 0)
        #expect(s.job("far")?["run_at"] as? String == far.iso8601)
        #expect(!w.output.contains("start far"))
    }

    @Test func duplicateIDIsRefusedWithExit1() {
        let s = TempSpool()
        s.fast()
        #expect(s.run("enqueue", #"{"id":"dup","command":"echo first"}"#).code == 0)
        let before = s.deepSnapshot()
        let r = s.run("enqueue", #"{"id":"dup","command":"echo second"}"#)
        #expect(r.code == 1, "\(r)")
        #expect(r.err == "queuectl enqueue: a job with id 'dup' already exists\n")
        #expect(r.out.isEmpty)
        #expect(s.deepSnapshot() == before)
        #expect(s.run("enqueue", "--id", "dup", "--command", "true").code == 1)
        // Still refused once the first one completed.
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .completed) == ["dup"])
        let after = s.deepSnapshot()
        #expect(s.run("enqueue", "--id", "dup", "--command", "true").code == 1)
        #expect(s.deepSnapshot() == after)
        #expect(s.run("logs", "dup").out == "first\n")
    }

    @Test func batchWithAnExistingOrRepeatedIDEnqueuesNothing() {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"old","command":"true"}"#)
        let before = s.deepSnapshot()
        let clash = s.run(["enqueue", "-"], stdin: #"{"id":"n1","command":"true"}"# + "\n" + #"{"id":"old","command":"true"}"# + "\n")
        #expect(clash.code == 1, "\(clash)")
        #expect(clash.err.contains("'old' already exists"))
        #expect(s.deepSnapshot() == before)
        let repeated = s.run(["enqueue", "-"], stdin: #"{"id":"r","command":"true"}"# + "\n" + #"{"id":"r","command":"true"}"# + "\n")
        // An id twice in one input is bad input (exit 2), not a clash with the queue.
        #expect(repeated.code == 2, "\(repeated)")
        #expect(repeated.err.contains("'r' appears more than once in the input"), "\(repeated)")
        #expect(s.deepSnapshot() == before)
    }

    @Test func stdinIsAllOrNothingWhenALineIsBad() {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"keep","command":"true"}"#)
        let before = s.deepSnapshot()
        let input = [#"{"id":"g1","command":"true"}"#, #"{"id":"g2","command":"#, #"{"id":"g3","command":"true"}"#].joined(separator: "\n")
        let r = s.run(["enqueue", "-"], stdin: input + "\n")
        #expect(r.code == 2, "\(r)")
        #expect(r.out.isEmpty)
        #expect(r.err.hasPrefix("queuectl enqueue: line 2: "), "\(r.err)")
        #expect(r.err.contains("nothing was enqueued"))
        #expect(r.err.split(separator: "\n").count == 1)
        #expect(s.deepSnapshot() == before)
        // A bad id on the last line: same.
        let r2 = s.run(["enqueue", "-"], stdin: #"{"id":"g1","command":"true"}"# + "\n" + #"{"id":"a/b","command":"true"}"#)
        #expect(r2.code == 2, "\(r2)")
        #expect(r2.err.contains("line 2") && r2.err.contains("'/'"), "\(r2.err)")
        #expect(s.deepSnapshot() == before)
        // Empty input.
        let r3 = s.run(["enqueue", "-"], stdin: "\n  \n")
        #expect(r3.code == 2 && r3.err.contains("no jobs"), "\(r3)")
        #expect(s.deepSnapshot() == before)
    }

    @Test func commandFileIsStoredVerbatimAndRuns() throws {
        let s = TempSpool()
        s.fast()
        let script = "echo one\nprintf '%s\\n' \"it's \\\"quoted\\\" \\$HOME\"\necho $((40 + 2))\n"
        let path = s.scratch("script.sh")
        s.write(path, script)
        let r = s.run("enqueue", "--command-file", path, "--id", "cf")
        #expect(r.code == 0, "\(r)")
        #expect(s.job("cf")?["command"] as? String == script)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.job("cf")?["state"] as? String == "completed")
        #expect(s.run("logs", "cf").out == "one\nit's \"quoted\" $HOME\n42\n")

        let missing = s.run("enqueue", "--command-file", s.scratch("nope.sh"))
        #expect(missing.code == 2, "\(missing)")
        #expect(missing.err.contains("cannot read"), "\(missing.err)")
        s.write(s.scratch("empty.sh"), "")
        let empty = s.run("enqueue", "--command-file", s.scratch("empty.sh"))
        #expect(empty.code == 2 && empty.err.contains("empty"), "\(empty)")
    }

    @Test func jobFileIsEnqueuedWithItsFieldsAndOptionsOverrideThem() throws {
        let s = TempSpool()
        s.fast()
        let path = s.scratch("job.json")
        s.write(path, #"{"id":"fromfile","command":"echo ff","priority":3,"max_retries":1,"team":"ops"}"#)
        let r = s.run("enqueue", "--job-file", path)
        #expect(r.code == 0, "\(r)")
        #expect(r.out == "fromfile\n")
        let job = try #require(s.job("fromfile"))
        #expect(job["priority"] as? Int == 3)
        #expect(job["max_retries"] as? Int == 1)
        #expect(job["team"] as? String == "ops")
        // Options override the file's fields.
        let o = s.run("enqueue", "--job-file", path, "--id", "other", "--priority", "-2", "--max-retries", "0")
        #expect(o.code == 0, "\(o)")
        #expect(s.job("other")?["priority"] as? Int == -2)
        #expect(s.job("other")?["max_retries"] as? Int == 0)
        // A bad job file is refused.
        s.write(s.scratch("bad.json"), #"{"id":"x","command":["not","a","string"]}"#)
        let before = s.deepSnapshot()
        let bad = s.run("enqueue", "--job-file", s.scratch("bad.json"))
        #expect(bad.code == 2, "\(bad)")
        #expect(bad.err.contains("'command'"), "\(bad.err)")
        #expect(s.deepSnapshot() == before)
    }

    @Test func enqueuedStateFieldsAreReset() throws {
        let s = TempSpool()
        s.fast()
        let r = s.run("enqueue", #"{"id":"sneaky","command":"true","state":"completed","attempts":9,"exit_code":4,"worker":"w"}"#)
        #expect(r.code == 0, "\(r)")
        let job = try #require(s.job("sneaky"))
        #expect(s.ids(in: .pending) == ["sneaky"])
        #expect(job["state"] as? String == "pending")
        #expect(job["attempts"] as? Int == 0)
        #expect(job["exit_code"] is NSNull)
        #expect(job["worker"] is NSNull)
    }

    @Test func unknownFieldsAreKeptAfterCompletionAndAfterDeath() throws {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"ok","command":"true","meta":{"owner":"me","tags":["a","b"],"n":1.5},"note":"keep me"}"#)
        s.enqueue(#"{"id":"bad","command":"exit 1","max_retries":1,"meta":{"owner":"you"},"flag":true}"#)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        let ok = try #require(s.job("ok"))
        #expect(ok["state"] as? String == "completed")
        #expect(ok["note"] as? String == "keep me")
        let meta = try #require(ok["meta"] as? NSDictionary)
        #expect(meta == (["owner": "me", "tags": ["a", "b"], "n": 1.5] as NSDictionary))
        let bad = try #require(s.job("bad"))
        #expect(bad["state"] as? String == "dead")
        #expect((bad["meta"] as? [String: Any])?["owner"] as? String == "you")
        #expect(bad["flag"] as? Bool == true)
    }
}
