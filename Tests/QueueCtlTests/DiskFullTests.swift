import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// A spool on a 1 MiB tmpfs that fills up: nothing may be stranded or lost. Mounting needs
/// root (CI runs as root); elsewhere the suite is skipped with that reason.
@Suite("disk full (a spool on a small tmpfs)")
struct DiskFullTests {
    /// Runs a command, returns its exit code.
    @discardableResult
    static func sh(_ command: String) -> Int32 {
        let child = try! ChildProcess.spawn("/bin/sh", ["-c", command], stdin: "/dev/null", stdout: "/dev/null", stderr: "/dev/null",
                                            environment: [:], newProcessGroup: false)
        if case .exited(let c)? = child.wait(untilMonotonicNanos: nil) { return c }
        return -1
    }

    /// A temporary spool whose root is a fresh 1 MiB tmpfs (unmount it when done).
    static func spoolOnSmallTmpfs() throws -> TempSpool {
        let s = TempSpool()
        try FileManager.default.createDirectory(atPath: s.root, withIntermediateDirectories: true)
        try #require(sh("mount -t tmpfs -o size=1m,mode=0700 tmpfs '\(s.root)'") == 0, "mount tmpfs")
        return s
    }

    @Test(.enabled(if: geteuid() == 0, "skipped: mounting the small tmpfs this test fills needs root"))
    func aFullDiskPutsClaimsBackAndRetriesOutcomes() throws {
        let s = try Self.spoolOnSmallTmpfs()
        defer { Self.sh("umount -l '\(s.root)'") }
        // poll_interval 1 s: the put-back job is tried again only after the checks below.
        s.fast(["poll_interval": "1"])
        #expect(s.run("pause").code == 0)
        // The job says it ran, then fills the disk itself, so its outcome cannot be written.
        let enq = s.run("enqueue", "--id", "j1", "--command", "echo ran; head -c 2000000 /dev/zero > '\(s.root)/.filler2' 2>/dev/null; exit 0")
        #expect(enq.code == 0, "\(enq)")
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(w.waitFor("started"))

        // 1. The disk is full when the worker claims: the claim cannot be rewritten, and the job
        //    goes back to pending/ untouched instead of being stranded in processing/.
        Self.sh("head -c 2000000 /dev/zero > '\(s.root)/.filler' 2>/dev/null")
        #expect(s.run("resume").code == 0)
        #expect(w.waitFor("put back"), "\(w.output)")
        #expect(s.ids(in: .pending) == ["j1"], "\(s.files("pending")) \(s.files("processing"))")
        #expect(s.job("j1")?["attempts"] as? Int == 0)
        #expect(s.job("j1")?["state"] as? String == "pending")

        // 2. Space again: the job runs, fills the disk, and its outcome cannot be recorded. It
        //    stays in processing/ as processing (never lost), and the worker keeps trying.
        #expect(Self.sh("rm -f '\(s.root)/.filler'") == 0)
        #expect(w.waitFor("could not record the outcome of j1"), "\(w.output)")
        #expect(s.ids(in: .processing) == ["j1"])
        #expect(s.job("j1")?["state"] as? String == "processing")
        #expect(!w.output.contains("end j1"))

        // 3. Space again: the outcome is recorded on the next try.
        #expect(Self.sh("rm -f '\(s.root)/.filler2'") == 0)
        #expect(eventually { s.ids(in: .completed) == ["j1"] }, "\(w.output)")
        #expect(w.waitFor("end j1 completed"), "\(w.output)")
        #expect(s.job("j1")?["attempts"] as? Int == 1)
        #expect(s.run("logs", "j1").out == "ran\n")
        #expect(w.stop() == 0)
        let fsck = s.run("fsck")
        #expect(fsck.code == 0, "\(fsck)")
    }

    @Test(.enabled(if: geteuid() == 0, "skipped: mounting the small tmpfs this test fills needs root"))
    func enqueueOnAFullDiskFailsCleanlyAndCanBeRetried() throws {
        let s = try Self.spoolOnSmallTmpfs()
        defer { Self.sh("umount -l '\(s.root)'") }
        #expect(s.run("status").code == 0)
        Self.sh("head -c 2000000 /dev/zero > '\(s.root)/.filler' 2>/dev/null")
        let one = s.run("enqueue", "--id", "x", "--command", "true")
        #expect(one.code == 1, "\(one)")
        #expect(one.err.contains("No space left on device"), "\(one)")
        let batch = s.run(["enqueue", "-"], stdin: #"{"id":"b1","command":"true"}"# + "\n" + #"{"id":"b2","command":"true"}"# + "\n")
        #expect(batch.code == 1, "\(batch)")
        // Nothing half-done is left: no marker blocks the ids, no partial file in tmp/.
        #expect(s.files("ids").isEmpty, "\(s.files("ids"))")
        #expect(s.files("tmp").isEmpty, "\(s.files("tmp"))")
        #expect(s.files("pending").isEmpty)
        #expect(Self.sh("rm -f '\(s.root)/.filler'") == 0)
        #expect(s.run("enqueue", "--id", "x", "--command", "true").code == 0)
        #expect(s.run(["enqueue", "-"], stdin: #"{"id":"b1","command":"true"}"# + "\n" + #"{"id":"b2","command":"true"}"# + "\n").code == 0)
        #expect(s.ids(in: .pending).sorted() == ["b1", "b2", "x"])
        #expect(s.run("fsck").code == 0)
    }
}
