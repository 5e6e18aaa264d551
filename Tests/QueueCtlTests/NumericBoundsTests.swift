import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Issue 8, defect 3 (no number traps), defect 11 (`--timeout 0`) and the small fixes beside them.
@Suite("numeric bounds through the binary")
struct NumericBoundsTests {
    /// A spool that exists (config written) and whose contents can be snapshotted.
    private func spool(_ label: String = #function) -> TempSpool {
        let s = TempSpool(label)
        s.fast()
        return s
    }

    /// Runs `args` and requires exit 2, a message naming `mention`, and an unchanged spool.
    private func expectRefused(_ s: TempSpool, _ args: [String], stdin: String? = nil, mention: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        let before = s.deepSnapshot()
        let r = s.run(args, stdin: stdin)
        #expect(r.code == 2, "\(args): \(r)", sourceLocation: sourceLocation)
        #expect(r.err.contains(mention), "\(args): \(r)", sourceLocation: sourceLocation)
        #expect(!r.err.contains("Fatal error"), "\(args): \(r)", sourceLocation: sourceLocation)
        #expect(s.deepSnapshot() == before, "\(args) changed the spool", sourceLocation: sourceLocation)
        #expect(s.files("ids").isEmpty, "\(args) left an ids/ marker: \(s.files("ids"))", sourceLocation: sourceLocation)
    }

    @Test func hugeTimeoutAndDelayOptionsAreRefusedWithNothingWritten() {
        let s = spool()
        expectRefused(s, ["enqueue", "--command", "true", "--timeout", "1e12"], mention: "--timeout")
        expectRefused(s, ["enqueue", "--command", "true", "--delay", "1e15"], mention: "--delay")
        expectRefused(s, ["enqueue", "--command", "true", "--delay", "9e12"], mention: "--delay")
        expectRefused(s, ["enqueue", "--command", "true", "--priority", "1e99"], mention: "--priority")
        expectRefused(s, ["enqueue", "--command", "true", "--max-retries", "99999999999999999999"], mention: "--max-retries")
        expectRefused(s, ["wait", "--timeout", "1e300", "x"], mention: "--timeout")
    }

    @Test func jsonTimeoutOutOfRangeIsRefusedWithNothingWritten() {
        let s = spool()
        expectRefused(s, ["enqueue", #"{"id":"big","command":"true","timeout":1e300}"#], mention: "timeout")
        expectRefused(s, ["enqueue", #"{"id":"big","command":"true","timeout":1e12}"#], mention: "timeout")
        expectRefused(s, ["enqueue", "-"], stdin: "{\"id\":\"ok\",\"command\":\"true\"}\n{\"id\":\"big\",\"command\":\"true\",\"timeout\":1e300}\n",
                      mention: "timeout")
    }

    @Test func durationsAreBoundedAfterTimeUnitIsApplied() {
        let s = spool()
        #expect(s.run("config", "set", "time_unit", "86400").code == 0)
        // 100000 days and 10^5 days of timeout are beyond 10 years.
        expectRefused(s, ["enqueue", "--command", "true", "--delay", "100000"], mention: "--delay")
        expectRefused(s, ["enqueue", "--command", "true", "--timeout", "100000"], mention: "--timeout")
        expectRefused(s, ["enqueue", #"{"command":"true","timeout":100000}"#], mention: "timeout")
        // A far but valid delay keeps a 4-digit year in the file name.
        let r = s.run("enqueue", "--id", "far", "--command", "true", "--delay", "3650")
        #expect(r.code == 0, "\(r)")
        let name = s.files("pending").first ?? ""
        #expect(JobFileName.parseOrdered(name)?.id.rawValue == "far", "\(name)")
    }

    @Test func runAtBeyondYear9999AfterItsZoneIsRefused() {
        let s = spool()
        expectRefused(s, ["enqueue", "--command", "true", "--run-at", "9999-12-31T23:59:59-10:00"], mention: "--run-at")
        expectRefused(s, ["enqueue", #"{"command":"true","run_at":"0000-01-01T00:00:00+10:00"}"#], mention: "run_at")
        #expect(s.run("enqueue", "--id", "last", "--command", "true", "--run-at", "9999-12-31T23:59:59Z").code == 0)
        #expect(JobFileName.parseOrdered(s.files("pending").first ?? "")?.id.rawValue == "last", "\(s.files("pending"))")
    }

    @Test func configOutOfRangeIsRefused() {
        let s = spool()
        for (key, value) in [("job_timeout", "1e12"), ("backoff_max", "1e300"), ("retention", "1e300"),
                             ("retention", "100000w"), ("time_unit", "1e9"), ("poll_interval", "nan")] {
            let r = s.run("config", "set", key, value)
            #expect(r.code == 2, "\(key)=\(value): \(r)")
            #expect(r.err.contains(key), "\(r)")
        }
    }

    @Test func timeUnitTimesJobTimeoutDoesNotCrashTheWorker() {
        let s = spool()
        #expect(s.run("config", "set", "time_unit", "86400").code == 0)
        #expect(s.run("config", "set", "job_timeout", "300000000").code == 0)
        #expect(s.run("enqueue", "--id", "a", "--command", "true").code == 0)
        #expect(s.run("enqueue", "--id", "b", "--command", "true", "--timeout", "3000").code == 0)
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(s.ids(in: .completed).sorted() == ["a", "b"], "\(w)")
    }

    @Test func droppedFilesWithHugeNumbersAreQuarantinedNotFatal() {
        let s = spool(); s.fast(["drop_grace": "0"])
        #expect(s.run("enqueue", "--id", "good", "--command", "true").code == 0)
        s.write(s.path("pending/drop.json"), #"{"id":"drop1","command":"true","timeout":1e12}"#)
        s.write(s.path("pending/10000.20200101T000000000000Z.drop2.json"), #"{"id":"drop2","command":"true","timeout":1e300}"#)
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(s.ids(in: .completed) == ["good"], "\(w)")
        #expect(s.quarantined.count == 2, "\(s.files("corrupt")) \(w)")
        let reasons = s.files("corrupt").filter { $0.hasSuffix(".reason") }.map { s.read(s.path("corrupt/\($0)")) }
        #expect(reasons.count == 2 && reasons.allSatisfy { $0.contains("timeout") }, "\(reasons)")
    }

    @Test func aDroppedFileDatedInTheYear3000DoesNotCrashTheWorker() throws {
        let s = spool()
        let p = s.path("pending/future.json")
        s.write(p, #"{"id":"future","command":"true"}"#)
        var times = [timespec(tv_sec: 32_503_680_000, tv_nsec: 0), timespec(tv_sec: 32_503_680_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, p, &times, 0) == 0)
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(s.ids(in: .completed) == ["future"], "\(w)")
    }

    @Test func handEditedConfigBeyondBoundsStopsTheWorkerStartingNotCrashing() {
        let s = spool()
        #expect(s.run("enqueue", "--id", "a", "--command", "true").code == 0)
        // Each within the old bounds; together they overflowed every claim.
        var text = s.read(s.path("config.json"))
        text = text.replacingOccurrences(of: "\"time_unit\" : 0.001", with: "\"time_unit\" : 86400")
        text = text.replacingOccurrences(of: "\"job_timeout\" : 0", with: "\"job_timeout\" : 1000000000")
        #expect(text.contains("1000000000") && text.contains("86400"), "\(text)")
        s.write(s.path("config.json"), text)
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 1, "\(w)")
        #expect(w.err.contains("job_timeout"), "\(w)")
        #expect(s.ids(in: .pending) == ["a"])
    }

    @Test func aRunningWorkerKeepsItsConfigWhenConfigJSONGoesOutOfRange() {
        let s = spool()
        // Due in 1.5 s, after the edit below (enqueue itself refuses a bad config.json).
        #expect(s.run("enqueue", "--id", "after-edit", "--command", "true", "--delay", "1500").code == 0)
        let w = s.startWorker()
        defer { w.kill9() }
        var text = s.read(s.path("config.json"))
        text = text.replacingOccurrences(of: "\"time_unit\" : 0.001", with: "\"time_unit\" : 86400")
        text = text.replacingOccurrences(of: "\"job_timeout\" : 0", with: "\"job_timeout\" : 1000000000")
        s.write(s.path("config.tmp"), text)
        #expect(rename(s.path("config.tmp"), s.path("config.json")) == 0)
        #expect(eventually { w.output.contains("keeping the previous config") }, "\(w.output)")
        #expect(eventually { s.ids(in: .completed) == ["after-edit"] }, "\(w.output) \(w.errors)")
        #expect(w.wait(timeout: 0) == nil, "worker exited: \(w.errors)")
    }

    @Test func timeoutZeroMeansNoTimeoutAndOverridesJobTimeout() throws {
        let s = spool()
        #expect(s.run("config", "set", "job_timeout", "100").code == 0)   // 0.1 s
        #expect(s.run("config", "set", "max_retries", "0").code == 0)
        #expect(s.run("enqueue", "--id", "none", "--timeout", "0", "--command", "sleep 0.6").code == 0)
        #expect(s.run("enqueue", "--id", "global", "--command", "sleep 0.6").code == 0)
        #expect(s.job("none")?["timeout"] as? Int == 0)
        #expect(s.job("global")?["timeout"] is NSNull)
        let w = s.run("worker", "start", "--count", "2", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(s.ids(in: .completed) == ["none"], "\(w)")
        #expect(s.ids(in: .dead) == ["global"], "\(w)")
        #expect((s.job("global")?["last_error"] as? String)?.contains("timed out") == true)
    }

    @Test func aBatchWithOneIDTwiceSaysSo() {
        let s = spool()
        let input = "{\"id\":\"x\",\"command\":\"true\"}\n{\"id\":\"y\",\"command\":\"true\"}\n{\"id\":\"x\",\"command\":\"false\"}\n"
        expectRefused(s, ["enqueue", "-"], stdin: input, mention: "'x' appears more than once in the input")
    }

    @Test func listAndDLQListShowAttemptsAlike() {
        let s = spool()
        #expect(s.run("config", "set", "max_retries", "0").code == 0)
        #expect(s.run("enqueue", "--id", "implicit", "--command", "false").code == 0)
        #expect(s.run("enqueue", "--id", "explicit", "--max-retries", "0", "--command", "false").code == 0)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        for args in [["list"], ["list", "--state", "dead"], ["dlq", "list"]] {
            let r = s.run(args)
            #expect(r.code == 0, "\(r)")
            let rows = r.lines.dropFirst().map { $0.split(separator: "\t").map(String.init) }
            #expect(rows.count == 2, "\(r)")
            for row in rows { #expect(row.count > 2 && row[2] == "1/1", "\(args): \(row)") }
        }
    }

    @Test func emptyQUEUECTLSPOOLIsAnError() throws {
        let s = TempSpool()
        let home = s.scratch("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let out = s.scratch("out"), err = s.scratch("err")
        let child = try ChildProcess.spawn(QueueCtlBinary.path, ["enqueue", "--command", "true"], stdout: out, stderr: err,
                                           environment: ["QUEUECTL_SPOOL": "", "HOME": home, "XDG_STATE_HOME": ""],
                                           newProcessGroup: false)
        let t = child.wait(untilMonotonicNanos: nil)
        guard case .exited(let code)? = t else { Issue.record("\(String(describing: t))"); return }
        #expect(code == 2, "\(s.read(err))")
        #expect(s.read(err).contains("QUEUECTL_SPOOL"), "\(s.read(err))")
        #expect(!FileManager.default.fileExists(atPath: home + "/.local/state/queuectl"))
    }
}
