import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// The one normalisation of a job entering the queue (enqueue), shared with adoption.
@Suite("new-job normalisation")
struct NewJobTests {
    @Test func aJobEntersFreshWithTheOverridesApplied() throws {
        let now = Timestamp.now()
        var job = Job(id: try JobID("x"), command: "true", now: now)
        job.state = .dead; job.attempts = 4; job.exitCode = 3; job.worker = "w"; job.startedAt = now; job.finishedAt = now
        var config = Config()
        config.timeUnit = 60
        let o = EnqueueOverrides(id: try JobID("y"), maxRetries: 1, priority: 7, delay: 2, timeout: 0)
        let n = try job.normalisedForEnqueue(o, config: config, now: now)
        #expect(n.id.rawValue == "y" && n.maxRetries == 1 && n.priority == 7 && n.timeout == 0)
        #expect(n.state == .pending && n.attempts == 0 && n.exitCode == nil && n.worker == nil)
        #expect(n.startedAt == nil && n.finishedAt == nil)
        #expect(n.runAt == now.adding(seconds: 120), "delay × time_unit")
    }

    @Test func aBatchKeepsItsOrder() throws {
        let now = Timestamp.now()
        let jobs = try (0..<3).map { i in
            try Job(id: try JobID("b\(i)"), command: "true", now: now).normalisedForEnqueue(config: Config(), now: now, sequence: i)
        }
        #expect(jobs.map(\.runAt.micros) == [now.micros, now.micros + 1, now.micros + 2])
    }

    @Test func outOfRangeDurationsAreRefused() throws {
        let job = Job(id: try JobID("x"), command: "true")
        var config = Config()
        config.timeUnit = 86_400
        #expect(throws: QueueError.self) { try job.normalisedForEnqueue(EnqueueOverrides(delay: 100_000), config: config, now: .now()) }
        var timed = job
        timed.timeout = 100_000
        #expect(throws: QueueError.self) { try timed.normalisedForEnqueue(config: config, now: .now()) }
    }

    @Test func adoptionKeepsTheAttemptsOfAnUnfinishedJob() throws {
        let s = try LibrarySpool("adopt")
        defer { s.remove() }
        var job = Job(id: try JobID("dropped"), command: "true")
        job.state = .failed; job.attempts = 2; job.worker = "w"; job.exitCode = 1
        try FileSystem.writeNewFile(s.spool.path("pending", "dropped.json"), job.encoded(), sync: false)
        #expect(s.spool.adopt("dropped.json", in: .pending, grace: 0) == .adopted(try JobID("dropped")))
        let adopted = try s.spool.load(try JobID("dropped")).job
        #expect(adopted.state == .pending && adopted.attempts == 2 && adopted.worker == nil && adopted.exitCode == nil)
    }
}
