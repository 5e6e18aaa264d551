import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
import QueueSystem

/// Many hosts, one spool (issue 11): Tests/multihost/cluster.py builds a GlusterFS "cluster" on
/// this machine (glusterd in a server network namespace, three hosts each with their own
/// network, mount, UTS and pid namespace and a FUSE mount of the volume at the same path), runs
/// the built binary's workers on it (drain 1,000 jobs on three hosts; kill -9 a host; cut a
/// host's link while it runs a job; pickup latency across hosts) and tears it all down. It exits 77 with a
/// `SKIP multi-host test: <reason>` line where it cannot run (not root, GlusterFS, iproute2,
/// nsenter/unshare or /dev/fuse missing): the test then says so and passes. One cluster at a
/// time: serialized.
@Suite("multi-host spool on GlusterFS", .serialized)
struct MultiHostTests {
    @Test(.timeLimit(.minutes(5)))
    func threeHostsShareOneSpoolOnGlusterFS() throws {
        guard let python = DashboardBrowserTests.onPath("python3") else {
            print("SKIP multi-host test: python3 not on PATH (Debian: apt-get install python3)")
            return
        }
        let root = DashboardBrowserTests.packageRoot.path
        let script = root + "/Tests/multihost/cluster.py"
        let out = FileManager.default.temporaryDirectory.path + "/queuectl-multihost-\(getpid()).out"
        defer { try? FileManager.default.removeItem(atPath: out) }
        // The driver has its own overall timeout (170 s) and then tears down (a few s); SIGTERM
        // at 220 s also makes it tear down; SIGKILL only if that hangs too.
        let child = try ChildProcess.spawn(python, [script, "--queuectl", QueueCtlBinary.path],
                                           stdout: out, stderr: nil, newProcessGroup: true)
        var ended = child.wait(untilMonotonicNanos: MonotonicClock.nanos() + 220_000_000_000)
        if ended == nil {
            Glibc.kill(child.pid, SIGTERM)
            ended = child.wait(untilMonotonicNanos: MonotonicClock.nanos() + 15_000_000_000)
        }
        if ended == nil {
            Glibc.kill(-child.pid, SIGKILL)
            ended = child.wait(untilMonotonicNanos: nil)
        }
        let log = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        print(log)
        if ended == .exited(77) {   // skipped: the driver printed its SKIP line (above)
            if !log.contains("SKIP multi-host test:") { print("SKIP multi-host test: cluster.py exited 77 without a reason") }
            return
        }
        #expect(ended == .exited(0), "cluster.py: \(String(describing: ended))\n\(log.split(separator: "\n").suffix(12).joined(separator: "\n"))")
    }
}
