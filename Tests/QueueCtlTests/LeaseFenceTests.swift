import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// A worker that lost its lease must not record its late result: another "host" (a worker with
/// another `QUEUECTL_HOST`) takes the job once the lease plus `clock_skew` expired, runs it and
/// completes it; when the first worker comes back (SIGCONT here, a restored link on a shared
/// filesystem), its finish hits the fence and only the job's log says what happened. Run with
/// the local `RENAME_EXCHANGE` fence and with the plain-rename fence of GlusterFS/NFS
/// (`QUEUECTL_NO_RENAME_FLAGS=1`).
@Suite("lease fence: a late finish changes nothing")
struct LeaseFenceTests {
    @Test(.timeLimit(.minutes(3)), arguments: [false, true])
    func lateFinishOfAnExpiredClaimIsOnlyLogged(fenced: Bool) throws {
        let s = TempSpool("fence")
        if fenced { s.baseEnv = ["QUEUECTL_NO_RENAME_FLAGS": "1"] }
        s.fast(["poll_interval": "0.05", "lease": "1", "clock_skew": "0.2"])
        // The first attempt runs while its worker is stopped; its run lock (the log) is free once it ends.
        let started = s.scratch("started")
        s.enqueue(#"{"id":"f1","command":"echo x >> \#(started); sleep 0.5; echo \"$QUEUECTL_ATTEMPT\" >> \#(s.ledgerPath)","max_retries":3}"#)
        let a = s.startWorker(env: ["QUEUECTL_HOST": "hosta"])
        // Stop A only once it has spawned the attempt and closed its copy of the log (the run lock).
        try #require(eventually { !s.read(started).isEmpty }, "worker A: \(a.output)\(a.errors)")
        usleep(100_000)
        a.signal(SIGSTOP)  // its heartbeat stops; the job's process (own process group) goes on
        defer { a.signal(SIGCONT); a.kill9() }
        let b = s.startWorker(env: ["QUEUECTL_HOST": "hostb"])
        defer { b.kill9() }
        #expect(eventually(timeout: 20) { s.files("completed") == ["f1.json"] }, "B should complete f1: \(b.output)\(b.errors)")
        let done = try #require(s.job("f1"))
        #expect((done["worker"] as? String)?.hasPrefix("hostb-") == true, "completed by B: \(done)")
        #expect(done["attempts"] as? Int == 2)
        #expect(b.output.contains("recovered f1: "), "\(b.output)")
        #expect(b.output.contains("lease expired"), "\(b.output)")
        let before = s.read(s.path("completed/f1.json"))

        a.signal(SIGCONT)
        #expect(a.waitFor("end f1 lost: result not recorded"), "A's late finish: \(a.output)\(a.errors)")
        let log = s.read(s.path("logs/f1.log"))
        #expect(log.contains("queuectl: attempt 1 on worker hosta-") && log.contains("was taken over by recovery (lease lost): late result not recorded, the job is unchanged"),
                "the job's log should say why: \(log)")
        #expect(s.read(s.path("completed/f1.json")) == before, "the completed job must not change")
        #expect(s.files("processing").isEmpty && s.files("pending").isEmpty && s.files("failed").isEmpty, "\(s.files("processing"))")
        #expect(s.quarantined.isEmpty, "\(s.quarantined)")
        #expect(s.ledgerLines().sorted() == ["1", "2"], "each attempt ran once: \(s.ledgerLines())")
        #expect(s.run(["fsck"]).code == 0)
    }
}
