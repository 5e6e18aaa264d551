import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// A state directory removed while a worker runs (`rm -rf completed/`, `mv logs away`): the
/// worker recreates it with a warning naming it, and no job is lost or failed because of it.
@Suite("missing spool directories while a worker runs")
struct MissingDirectoryTests {
    /// 32 jobs held at a gate; `completed/` is removed while they run. Before the fix, the
    /// finish's rename into the missing directory failed with ENOENT, taken for "the claim was
    /// recovered": every job ended "lost: result not recorded" and stayed in processing/.
    @Test func completedRemovedWhileJobsRun() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "5"])  // the loop's own check is rare: the finish must cope itself
        let ids = (0..<32).map { String(format: "m%02d", $0) }
        let batch = ids.map { #"{"id":"\#($0)","command":"\#(s.waitForGate("go"))","max_retries":0}"# }.joined(separator: "\n")
        try #require(s.run(["enqueue", "-"], stdin: batch).code == 0)
        let w = s.startWorker(["--count", "32"])
        try #require(eventually { s.files("processing").count == 32 }, "jobs should be running: \(w.output)")
        try FileManager.default.removeItem(atPath: "\(s.root)/completed")
        s.openGate("go")
        let done = eventually(timeout: 30) { s.ids(in: .completed).count == 32 }
        w.stop()
        #expect(done, "completed/: \(s.files("completed")), processing/: \(s.files("processing"))\n\(w.output)")
        #expect(s.files("processing").isEmpty)
        #expect(!w.output.contains("lost"), "\(w.output)")
        #expect(w.output.contains("recreated missing spool directories: \(s.root)/completed/"), "\(w.output)")
        #expect(s.run(["fsck"]).code == 0)
    }

    /// `logs/` moved away: jobs still run and complete (before the fix they went to dead/ with
    /// "posix_spawn /bin/sh: No such file or directory"), and logs/ is back with their output.
    @Test func logsMovedAway() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "5"])  // the loop's own check is rare: the job start must cope itself
        let w = s.startWorker()
        // Paused by the flag file itself (every queuectl command would recreate logs/ on start).
        s.write("\(s.root)/paused", "")
        for i in 0..<4 { s.enqueue(#"{"id":"l\#(i)","command":"echo out-l\#(i)","max_retries":0}"#) }
        // One job file is taken out and put back after the un-pause: its arrival wakes the worker.
        let wake = try #require(s.files("pending").last)
        try FileManager.default.moveItem(atPath: "\(s.root)/pending/\(wake)", toPath: "\(s.dir)/\(wake)")
        try FileManager.default.moveItem(atPath: "\(s.root)/logs", toPath: "\(s.dir)/logs-away")
        try FileManager.default.removeItem(atPath: "\(s.root)/paused")
        try FileManager.default.moveItem(atPath: "\(s.dir)/\(wake)", toPath: "\(s.root)/pending/\(wake)")
        let done = eventually { s.ids(in: .completed).count + s.files("dead").count == 4 }
        w.stop()
        #expect(done, "\(w.output)")
        #expect(s.ids(in: .completed).sorted() == ["l0", "l1", "l2", "l3"], "dead/: \(s.files("dead"))\n\(w.output)")
        let log = (try? String(contentsOfFile: "\(s.root)/logs/l0.log", encoding: .utf8)) ?? ""
        #expect(log.contains("out-l0"), "logs/: \(s.files("logs"))")
        #expect(w.output.contains("recreated missing spool directories: \(s.root)/logs/"), "\(w.output)")
    }

    /// pending/ removed while a worker idles: recreated with a warning, and a job enqueued
    /// afterwards runs.
    @Test func pendingRemovedWhileWorkerIdles() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.05"])
        let w = s.startWorker()
        try FileManager.default.removeItem(atPath: "\(s.root)/pending")
        #expect(w.waitFor("recreated missing spool directories: \(s.root)/pending/"), "\(w.output)")
        s.enqueue(#"{"id":"p1","command":"true"}"#)
        #expect(eventually { s.ids(in: .completed) == ["p1"] }, "\(w.output)")
        w.stop()
    }
}
