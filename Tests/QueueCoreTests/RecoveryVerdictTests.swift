import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Which claims are orphaned, and what recovery makes of them, on a real temporary spool.
@Suite("recovery verdicts")
struct RecoveryVerdictTests {
    /// Claims job `id` for `worker` (state processing, attempts 1) and returns the claim's name.
    func claim(_ s: LibrarySpool, _ id: String, worker: ProcessTag = otherHostWorker, maxRetries: Int? = nil) throws -> String {
        try s.add(id, maxRetries: maxRetries)
        let name = try #require(s.names(.pending).first { $0.hasSuffix(".\(id).json") })
        let c = try #require(try s.spool.claim(name, from: .pending, worker: worker))
        #expect(c.job.state == .processing && c.job.attempts == 1)
        return JobFileName.processing(worker: worker, id: try JobID(id))
    }

    func register(_ s: LibrarySpool, _ worker: ProcessTag, ageSeconds: Double) throws {
        let p = s.spool.registrationPath(worker)
        #expect(FileManager.default.createFile(atPath: p, contents: Data("{}".utf8)))
        try s.age(p, by: ageSeconds)
    }

    @Test func anotherHostsWorkerIsJudgedByItsLease() throws {
        let s = try LibrarySpool("lease")
        defer { s.remove() }
        let name = try claim(s, "j")
        var config = Config()
        config.lease = 30
        #expect(s.spool.orphanReason(name, config: config)?.contains("not registered") == true)
        try register(s, otherHostWorker, ageSeconds: 5)
        #expect(s.spool.orphanReason(name, config: config) == nil, "a fresh heartbeat keeps the claim")
        try register(s, otherHostWorker, ageSeconds: 100)
        let reason = try #require(s.spool.orphanReason(name, config: config))
        #expect(reason.contains("lease expired"), "\(reason)")
        #expect(s.spool.orphanReason(name, config: config, me: otherHostWorker) == nil, "never one's own claim")
    }

    @Test func aSameHostWorkerIsJudgedByItsProcess() throws {
        let s = try LibrarySpool("pid")
        defer { s.remove() }
        let me = ProcessTag.current
        let gone = ProcessTag(escapedHost: me.host, pid: me.pid, startTime: me.startTime &+ 1)  // pid reused
        #expect(s.spool.deathReason(of: gone, config: Config())?.contains("is dead") == true)
        #expect(s.spool.deathReason(of: me, config: Config()) == nil, "a live process is never gone, registered or not")
    }

    @Test func anInterruptedAttemptGoesBackToPendingDueAtOnceCounted() throws {
        let s = try LibrarySpool("attempt")
        defer { s.remove() }
        let name = try claim(s, "j", maxRetries: 2)
        let now = Timestamp.now()
        let action = try #require(try s.spool.recoverClaim(name, reason: "worker gone", config: Config(), now: now))
        #expect(action.to == .pending)
        #expect(s.names(.processing).isEmpty && s.names(.failed).isEmpty)
        let file = try s.spool.load(try JobID("j"))
        #expect(file.state == .pending)
        #expect(file.job.attempts == 1, "the interrupted attempt stays counted")
        #expect(file.job.runAt == now, "due at once, no backoff")
        #expect(file.job.lastError?.contains("interrupted: worker gone during attempt 1") == true)
        #expect(file.job.exitCode == nil && file.job.worker != nil)
    }

    @Test func anInterruptedAttemptWithNoRetriesLeftIsDead() throws {
        let s = try LibrarySpool("dead")
        defer { s.remove() }
        let name = try claim(s, "j", maxRetries: 0)
        let action = try #require(try s.spool.recoverClaim(name, reason: "worker gone", config: Config()))
        #expect(action.to == .dead)
        #expect(try s.spool.load(try JobID("j")).state == .dead)
    }

    @Test func anInterruptedMoveIsCompletedToItsJSONState() throws {
        let s = try LibrarySpool("move")
        defer { s.remove() }
        let name = try claim(s, "j")
        let p = s.spool.path("processing", name)
        var job = try s.spool.readJob(at: p)
        job.state = .completed
        job.exitCode = 0
        try s.spool.rewrite(p, with: job, sync: false)  // a finish killed between its rewrite and its rename
        let action = try #require(try s.spool.recoverClaim(name, reason: "worker gone", config: Config()))
        #expect(action.to == .completed)
        let file = try s.spool.load(try JobID("j"))
        #expect(file.state == .completed && file.job.attempts == 1 && file.job.exitCode == 0)
    }

    @Test func recoverOrphansTakesOnlyTheGoneWorkersClaims() throws {
        let s = try LibrarySpool("orphans")
        defer { s.remove() }
        let alive = ProcessTag(escapedHost: "alive", pid: 1, startTime: 1)
        try register(s, alive, ageSeconds: 0)
        _ = try claim(s, "kept", worker: alive)
        _ = try claim(s, "taken")
        let (actions, errors) = s.spool.recoverOrphans(config: Config())
        #expect(errors.isEmpty, "\(errors)")
        #expect(actions.map(\.id.rawValue) == ["taken"])
        #expect(actions.first?.to == .pending)
        #expect(s.names(.processing) == [JobFileName.processing(worker: alive, id: try JobID("kept"))])
    }
}
