import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// The status report and pausing, as library values on a real temporary spool.
@Suite("status report and pause")
struct StatusReportTests {
    @Test func pauseAndResumeAreDurableFlagsAndIdempotent() throws {
        let spool = try WorkerStateTests.tempSpool("pause")
        defer { try? FileManager.default.removeItem(atPath: spool.root) }
        #expect(!spool.isPaused)
        try spool.pause()
        try spool.pause()
        #expect(spool.isPaused)
        #expect(FileManager.default.fileExists(atPath: spool.root + "/paused"))
        #expect(try spool.statusReport(config: Config()).paused)
        try spool.resume()
        try spool.resume()
        #expect(!spool.isPaused)
        #expect(!FileManager.default.fileExists(atPath: spool.root + "/paused"))
        #expect(try spool.statusReport(config: Config()).paused == false)
    }

    @Test func theReportCountsJobsShapesPendingAndSumsOnlyLiveWorkers() throws {
        let spool = try WorkerStateTests.tempSpool("status")
        defer { try? FileManager.default.removeItem(atPath: spool.root) }
        let now = Timestamp.now()
        var later = Job(id: try JobID("later"), command: "true", now: now)
        later.runAt = now.adding(seconds: 3600)
        var old = Job(id: try JobID("old"), command: "true", now: now)
        old.runAt = now.adding(seconds: -90)
        try spool.enqueue([Job(id: try JobID("due"), command: "true", now: now), later, old])
        let me = ProcessTag.current
        try spool.register(me, count: 3, background: true, logPath: nil, startedAt: now,
                           stats: ["finished_1m": .int(1), "finished_5m": .int(4), "finished_15m": .int(9)])
        let gone = ProcessTag(escapedHost: me.host, pid: me.pid, startTime: me.startTime &+ 1)
        try spool.register(gone, count: 1, background: false, logPath: nil, startedAt: now,
                           stats: ["finished_1m": .int(100), "finished_5m": .int(100), "finished_15m": .int(100)])

        let report = try spool.statusReport(config: Config(), now: now.adding(seconds: 1))
        #expect(report.spool == spool.root)
        #expect(report.counts[.pending] == 3)
        #expect(JobState.allCases.allSatisfy { report.counts[$0] != nil }, "every state has a count")
        #expect(JobState.allCases.filter { $0 != .pending }.allSatisfy { report.counts[$0] == 0 })
        #expect(report.pendingShape.notYetDue == 1)
        #expect(report.pendingShape.buckets.reduce(0, +) == 2)
        #expect(report.pendingShape.buckets[1] == 1, "the job due 91 s ago is in the 1m-5m bucket")
        #expect((report.pendingShape.oldestAge ?? 0) >= 90)
        #expect(report.paused == false)
        #expect(report.workers.map(\.record.id) == [me, gone].sorted { $0.rawValue < $1.rawValue })
        #expect(report.workers.first { $0.record.id == me }?.state == .alive)
        #expect(report.workers.first { $0.record.id == gone }?.state == .dead)
        #expect(report.aliveWorkers == 1)
        // The dead worker's figures are not current: only the live one's count.
        let f = report.finished
        #expect(f.oneMinute == 1 && f.fiveMinutes == 4 && f.fifteenMinutes == 9, "\(f)")
    }
}
