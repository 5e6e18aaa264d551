import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Worker liveness as one type: `Spool.state(of:config:now:)` on a real temporary spool, for
/// workers on this host (judged by pid and start time) and on another (judged by the lease).
@Suite("worker state")
struct WorkerStateTests {
    static func tempSpool(_ tag: String) throws -> Spool {
        let dir = FileManager.default.temporaryDirectory.path + "/queuectl-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let spool = Spool(root: dir)
        try spool.create()
        return spool
    }

    static func record(_ spool: Spool, _ tag: ProcessTag) throws -> WorkerRecord {
        try #require(spool.workers().first { $0.id == tag })
    }

    /// Sets the heartbeat (the registration's mtime) `seconds` into the past.
    static func age(_ spool: Spool, _ tag: ProcessTag, by seconds: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -seconds)],
                                              ofItemAtPath: spool.registrationPath(tag))
    }

    @Test func aLiveWorkerOnThisHostIsAliveThenStoppingAndStaleWhenItsHeartbeatIsOld() throws {
        let spool = try Self.tempSpool("wstate")
        defer { try? FileManager.default.removeItem(atPath: spool.root) }
        let me = ProcessTag.current
        try spool.register(me, count: 1, background: false, logPath: nil, startedAt: .now())
        var config = Config()
        config.lease = 30
        #expect(spool.state(of: try Self.record(spool, me), config: config) == .alive)
        _ = try FileSystem.createExclusive(spool.stopRequestPath(me))
        #expect(spool.state(of: try Self.record(spool, me), config: config) == .stopping)
        // A stopped (SIGSTOP) worker on this host: old heartbeat, but its process lives: stale, never dead.
        try Self.age(spool, me, by: 120)
        let stale = spool.state(of: try Self.record(spool, me), config: config)
        #expect(stale == .stale)
        #expect(stale.isLive == false)
        #expect(spool.isRunning(me, config: config))
    }

    @Test func aWorkerWhoseProcessIsGoneIsDeadWhateverItsHeartbeat() throws {
        let spool = try Self.tempSpool("wstate")
        defer { try? FileManager.default.removeItem(atPath: spool.root) }
        let me = ProcessTag.current
        // Same pid, another start time: a previous process with this pid.
        let gone = ProcessTag(escapedHost: me.host, pid: me.pid, startTime: me.startTime &+ 1)
        try spool.register(gone, count: 1, background: false, logPath: nil, startedAt: .now())
        let config = Config()
        #expect(spool.deathReason(of: gone, config: config) != nil)
        #expect(spool.state(of: try Self.record(spool, gone), config: config) == .dead)
        #expect(!spool.isRunning(gone, config: config))
        let statuses = spool.workerStatuses(config: config)
        #expect(statuses.map(\.state) == [.dead])
    }

    @Test func aWorkerOnAnotherHostIsJudgedByItsLease() throws {
        let spool = try Self.tempSpool("wstate")
        defer { try? FileManager.default.removeItem(atPath: spool.root) }
        let remote = ProcessTag(hostName: "elsewhere.invalid", pid: 4242, startTime: 7)
        #expect(!remote.isOnThisHost)
        // It announced a lease of 100 s; the configured lease is 30 s.
        try spool.register(remote, count: 2, background: false, logPath: nil, startedAt: .now(), lease: 100)
        var config = Config()
        config.lease = 30
        #expect(spool.state(of: try Self.record(spool, remote), config: config) == .alive)
        // Heartbeat past the configured lease but within the announced one: late, not gone.
        try Self.age(spool, remote, by: 60)
        #expect(spool.state(of: try Self.record(spool, remote), config: config) == .stale)
        #expect(spool.isRunning(remote, config: config))
        // Past both: gone, exactly as the recovery rule says.
        try Self.age(spool, remote, by: 200)
        #expect(spool.deathReason(of: remote, config: config) != nil)
        #expect(spool.state(of: try Self.record(spool, remote), config: config) == .dead)
        #expect(!spool.isRunning(remote, config: config))
    }

    @Test func stoppingWorkersWritesStopRequestsAndReportsThem() throws {
        let spool = try Self.tempSpool("wstop")
        defer { try? FileManager.default.removeItem(atPath: spool.root) }
        var events: [Spool.StopEvent] = []
        #expect(try spool.stopWorkers(wait: false, timeout: nil) { events.append($0) } == .noWorkers)
        #expect(throws: QueueError.notFound("no such worker: nope")) {
            try spool.stopWorkers(id: "nope", wait: false, timeout: nil) { _ in }
        }
        let remote = ProcessTag(hostName: "elsewhere.invalid", pid: 4242, startTime: 7)
        try spool.register(remote, count: 1, background: false, logPath: nil, startedAt: .now())
        #expect(try spool.stopWorkers(wait: false, timeout: nil) { events.append($0) } == .requested)
        #expect(events == [.requested(remote)])
        #expect(FileManager.default.fileExists(atPath: spool.stopRequestPath(remote)))
        #expect(spool.state(of: try Self.record(spool, remote), config: Config()) == .stopping)
    }
}
