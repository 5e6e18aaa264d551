import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Issue 8, defect 8: fsck beside live workers reports only what is really wrong.
@Suite("fsck on a busy spool", .serialized)
struct FsckBusyTests {
    /// Enqueues `n` short jobs (a few fail once, so failed/ and retries are exercised too).
    private func enqueueBatch(_ s: TempSpool, _ n: Int, tag: String) {
        var lines = ""
        for i in 0..<n {
            let cmd = i % 7 == 0 ? "exit 1" : "true"
            lines += "{\"id\":\"\(tag)-\(i)\",\"command\":\"\(cmd)\",\"max_retries\":1}\n"
        }
        let r = s.run(["enqueue", "-"], stdin: lines)
        precondition(r.code == 0, "\(r)")
    }

    /// A healthy spool drained by two workers: every fsck run (and fsck --repair, which is what
    /// `recover` runs beside live workers) exits 0 and reports nothing.
    @Test func fsckBesideTwoWorkersFindsNothing() throws {
        let s = TempSpool()
        s.fast(["backoff_base": "1"])
        enqueueBatch(s, 600, tag: "a")
        let w1 = s.startWorker(["--count", "2"]), w2 = s.startWorker(["--count", "2"])
        defer { w1.stop(); w2.stop() }
        var batch = 0
        var problems: [String] = []
        for i in 0..<40 {
            if s.files("pending").count < 100 { batch += 1; enqueueBatch(s, 300, tag: "b\(batch)") }
            let args = i % 3 == 2 ? ["fsck", "--repair"] : ["fsck"]
            let r = s.run(args)
            if r.code != 0 || r.lines != ["clean"] { problems.append("run \(i) \(args): \(r)") }
        }
        #expect(problems.isEmpty, "\(problems.count) of 40 runs reported something:\n\(problems.prefix(5).joined(separator: "\n"))")
        w1.stop(); w2.stop()
        #expect(s.run("fsck").lines == ["clean"])
    }

    /// A real duplicate (a job file copied by hand into another state directory) is still
    /// reported, and repaired once: the copy is quarantined, the original kept.
    @Test func realDuplicateIsReportedAndRepairedOnce() throws {
        let s = TempSpool()
        s.fast()
        s.run("enqueue", "--id", "dup", "--command", "true")
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.files("completed") == ["dup.json"])
        try FileManager.default.copyItem(atPath: s.path("completed/dup.json"), toPath: s.path("dead/dup.json"))
        let check = s.run("fsck")
        #expect(check.code == 1, "\(check)")
        #expect(check.lines.filter { $0.hasPrefix("duplicate-id:") }.count == 1, "\(check)")
        #expect(!check.out.contains("[repaired]"), "\(check)")
        let repair = s.run("fsck", "--repair")
        #expect(repair.code == 0, "\(repair)")
        let repaired = repair.lines.filter { $0.hasSuffix("[repaired]") }
        #expect(repaired.count == 1 && repaired[0].hasPrefix("duplicate-id: \(s.root)/dead/dup.json"), "\(repair)")
        #expect(s.files("completed") == ["dup.json"] && s.files("dead").isEmpty)
        #expect(s.quarantined.count == 1)
        let again = s.run("fsck")
        #expect(again.code == 0 && again.lines == ["clean"], "\(again)")
    }

    /// A finding whose file vanished before the repair is not reported as repaired.
    @Test func fsckRepairOnACleanSpoolSaysNothingWasRepaired() throws {
        let s = TempSpool()
        s.fast()
        s.run("enqueue", "--id", "x", "--command", "true")
        let r = s.run("fsck", "--repair")
        #expect(r.code == 0 && r.lines == ["clean"], "\(r)")
    }
}
