import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Issue 8, defects 1, 2, 5, 6 and 7, through the binary: an interrupted attempt is really over
/// before the job runs again; a lease change never takes a live owner's claim; dropped files
/// under queue names reserve their id; a root worker refuses another user's spool;
/// `--exit-when-idle` does not wait for jobs due later.
@Suite("at most one run at a time", .serialized)
struct RunOnceTests {
    /// A job that appends `start N` and `end N` (or `end N term` when it is terminated) to a ledger.
    static func ledgerJob(_ s: TempSpool, id: String, seconds: Double, retries: Int = 3) -> String {
        let ledger = s.scratch("ledger")
        let command = "echo \"start $QUEUECTL_ATTEMPT\" >> '\(ledger)'; "
            + "trap 'echo \"end $QUEUECTL_ATTEMPT term\" >> \(ledger); exit 143' TERM; "
            + "sleep \(seconds); echo \"end $QUEUECTL_ATTEMPT\" >> '\(ledger)'"
        return #"{"id":"\#(id)","max_retries":\#(retries),"command":"\#(command.replacingOccurrences(of: "\"", with: "\\\""))"}"#
    }

    static func ledger(_ s: TempSpool) -> [String] {
        s.read(s.scratch("ledger")).split(separator: "\n").map(String.init)
    }

    /// True when no `start` follows another `start` before that run's `end`.
    static func runsNeverOverlap(_ lines: [String]) -> Bool {
        var open = false
        for line in lines {
            if line.hasPrefix("start") { if open { return false }; open = true }
            if line.hasPrefix("end") { open = false }
        }
        return true
    }

    @Test(arguments: [true, false])
    func killedWorkersAttemptEndsBeforeTheJobRunsAgain(runRecoverFirst: Bool) throws {
        let s = TempSpool()
        s.fast(["kill_grace": "0.5"])
        #expect(s.enqueue(Self.ledgerJob(s, id: "long", seconds: 3)).code == 0)
        let w1 = s.startWorker()
        defer { w1.kill9() }
        #expect(w1.waitFor("start long attempt 1"))
        #expect(eventually { Self.ledger(s) == ["start 1"] })
        w1.signal(SIGKILL)  // the worker alone: its job's process group lives on
        #expect(w1.wait(timeout: 10) == 128 + SIGKILL)
        var recovery = ""
        if runRecoverFirst {
            let r = s.run("recover")
            #expect(r.code == 0, "\(r)")
            recovery = r.out
        }
        let w2 = s.run("worker", "start", "--exit-when-idle")
        #expect(w2.code == 0, "\(w2)")
        recovery += w2.out
        #expect(recovery.contains("recovered long") && recovery.contains("were still running and were ended"), "\(recovery)")
        let lines = Self.ledger(s)
        #expect(lines == ["start 1", "end 1 term", "start 2", "end 2"], "\(lines)\n\(w2)")
        #expect(Self.runsNeverOverlap(lines))
        #expect(s.job("long")?["state"] as? String == "completed")
        #expect(s.job("long")?["attempts"] as? Int == 2)
    }

    /// A worker stopped (SIGSTOP) past its lease keeps its claim on this host (its pid is alive):
    /// another worker does not run the job again, and the resumed worker records its success.
    @Test func stoppedWorkerKeepsItsClaimOnThisHost() throws {
        let s = TempSpool()
        s.fast(["lease": "1", "poll_interval": "0.05"])
        #expect(s.enqueue(Self.ledgerJob(s, id: "paused", seconds: 1.5)).code == 0)
        let w1 = s.startWorker()
        defer { w1.signal(SIGCONT); w1.kill9() }
        #expect(w1.waitFor("start paused attempt 1"))
        #expect(eventually { Self.ledger(s) == ["start 1"] })  // spawned (the start line comes first)
        w1.signal(SIGSTOP)
        let w2 = s.startWorker()
        defer { w2.kill9() }
        // The job ends (1.5 s) while its worker is stopped, well past the 1 s lease.
        #expect(eventually { Self.ledger(s).count == 2 })
        usleep(500_000)
        #expect(s.ids(in: .processing) == ["paused"], "\(w2.output)")
        w1.signal(SIGCONT)
        #expect(eventually { s.ids(in: .completed) == ["paused"] }, "\(w1.output)\n\(w2.output)")
        #expect(w2.stop() == 0)
        #expect(w1.stop() == 0)
        #expect(Self.ledger(s) == ["start 1", "end 1"])
        #expect(s.job("paused")?["attempts"] as? Int == 1)
        #expect(!w2.output.contains("recovered"), "\(w2.output)")
    }

    /// Two workers acting as two hosts (QUEUECTL_HOST): lowering `lease` below the age of the
    /// owner's last heartbeat while its job runs does not let the other one take the job. The
    /// owner is held (SIGSTOP) while the lease changes so it cannot re-heartbeat first: it
    /// announced lease 30 and is judged by it until it heartbeats under the new value.
    @Test func loweringTheLeaseNeverStealsALiveClaim() throws {
        let s = TempSpool()
        s.fast(["lease": "30", "poll_interval": "0.05"])
        #expect(s.enqueue(Self.ledgerJob(s, id: "steady", seconds: 3, retries: 0)).code == 0)
        let owner = s.startWorker([], env: ["QUEUECTL_HOST": "hosta"])
        defer { owner.signal(SIGCONT); owner.kill9() }
        #expect(owner.waitFor("start steady attempt 1"))
        #expect(eventually { Self.ledger(s) == ["start 1"] })  // spawned (the start line comes first)
        let other = s.startWorker([], env: ["QUEUECTL_HOST": "hostb"])
        defer { other.kill9() }
        owner.signal(SIGSTOP)
        #expect(s.run("config", "set", "lease", "1").code == 0)
        usleep(1_600_000)  // the owner's last heartbeat is now older than the new lease
        owner.signal(SIGCONT)
        #expect(eventually { s.ids(in: .completed) == ["steady"] }, "\(owner.output)\n\(other.output)")
        #expect(owner.stop() == 0)
        #expect(other.stop() == 0)
        #expect(Self.ledger(s) == ["start 1", "end 1"], "\(other.output)")
        #expect(!owner.output.contains("lost"), "\(owner.output)")
        #expect(!other.output.contains("recovered"), "\(other.output)")
        // A lease the heartbeat cannot keep is refused.
        let tiny = s.run("config", "set", "lease", "0.01")
        #expect(tiny.code == 2 && tiny.err.contains("lease"), "\(tiny)")
    }

    /// Across hosts the run lock is waited for: after `kill -9` of the owner on "host a", the
    /// worker on "host b" recovers the claim once the lease expired, but starts the job again
    /// only after the first attempt's processes ended.
    @Test func otherHostWaitsForTheInterruptedAttemptToEnd() throws {
        let s = TempSpool()
        s.fast(["lease": "1", "clock_skew": "0", "poll_interval": "0.05"])
        #expect(s.enqueue(Self.ledgerJob(s, id: "remote", seconds: 2.5)).code == 0)
        let owner = s.startWorker([], env: ["QUEUECTL_HOST": "hosta"])
        defer { owner.kill9() }
        #expect(owner.waitFor("start remote attempt 1"))
        #expect(eventually { Self.ledger(s) == ["start 1"] })  // spawned (the start line comes first)
        owner.signal(SIGKILL)
        _ = owner.wait(timeout: 10)
        let other = s.startWorker([], env: ["QUEUECTL_HOST": "hostb"])
        defer { other.kill9() }
        #expect(eventually { s.ids(in: .completed) == ["remote"] }, "\(other.output)")
        #expect(other.stop() == 0)
        let lines = Self.ledger(s)
        #expect(lines == ["start 1", "end 1", "start 2", "end 2"], "\(lines)\n\(other.output)")
        #expect(other.output.contains("still run"), "\(other.output)")
    }

    /// A file dropped under a queue name reserves its id like `enqueue`, and cannot run as a
    /// job whose id another job (here a completed one) has.
    @Test func droppedQueueNamedFilesGoThroughIDReservation() throws {
        let s = TempSpool()
        s.fast()
        s.write(s.path("pending/00001.20000101T000000000000Z.neg.json"), #"{"id":"neg","command":"true"}"#)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .completed) == ["neg"])
        #expect(FileManager.default.fileExists(atPath: s.path("ids/neg")))
        let again = s.run("enqueue", "--id", "neg", "--command", "true")
        #expect(again.code == 1 && again.err.contains("neg"), "\(again)")

        #expect(s.run("enqueue", "--id", "drop1", "--command", "echo first").code == 0)
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        let completed = s.read(s.path("completed/drop1.json"))
        s.write(s.path("pending/10000.20000101T000000000000Z.drop1.json"), #"{"id":"drop1","command":"echo second"}"#)
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(s.read(s.path("completed/drop1.json")) == completed)
        #expect(!s.run("logs", "drop1").out.contains("second"))
        #expect(s.quarantined.count == 1, "\(s.files("corrupt"))")
        let reason = s.files("corrupt").first { $0.hasSuffix(".reason") }.map { s.read(s.path("corrupt/\($0)")) } ?? ""
        #expect(reason.contains("duplicate id 'drop1'"), "\(reason)")
        #expect(s.run("fsck").code == 0)
    }

    @Test(.enabled(if: geteuid() == 0, "skipped: needs root (chown of the spool to nobody)"))
    func rootWorkerRefusesASpoolOwnedByAnotherUser() throws {
        let s = TempSpool()
        s.fast()
        #expect(s.enqueue(#"{"id":"foreign","command":"touch '\#(s.scratch("ran"))'"}"#).code == 0)
        let chown = runProgram("/bin/chown", ["-R", "nobody", s.root], environment: [:], in: s.dir, timeout: 10)
        #expect(chown.code == 0, "\(chown.output)")
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code != 0 && w.err.contains("owned by uid"), "\(w)")
        #expect(!FileManager.default.fileExists(atPath: s.scratch("ran")))
        let fsck = s.run("fsck")
        #expect(fsck.code == 1 && fsck.out.contains("unsafe-permissions"), "\(fsck)")
    }

    @Test func exitWhenIdleDoesNotWaitForJobsDueLater() throws {
        let s = TempSpool()
        s.fast(["drop_grace": "60"])
        #expect(s.run("enqueue", "--id", "tomorrow", "--command", "true", "--delay", "86400000").code == 0)
        #expect(s.run("enqueue", "--id", "today", "--command", "true").code == 0)
        s.write(s.path("pending/half-written.json"), #"{"id":"#)  // within drop_grace: not adoptable yet
        let t0 = wallNow()
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(wallNow() - t0 < 10)
        #expect(s.ids(in: .completed) == ["today"])
        #expect(s.ids(in: .pending) == ["tomorrow"])
        #expect(FileManager.default.fileExists(atPath: s.path("pending/half-written.json")))
    }
}
