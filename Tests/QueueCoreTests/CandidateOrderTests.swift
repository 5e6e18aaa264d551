import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// The claim order from names alone: priority, then due time, then id; not-yet-due skipped.
@Suite("candidate order")
struct CandidateOrderTests {
    @Test func priorityThenDueThenIDAndFutureSkipped() throws {
        let s = try LibrarySpool("order")
        defer { s.remove() }
        let now = Timestamp.now()
        try s.add("a", priority: 0, runAt: now.adding(seconds: -10))
        try s.add("b", priority: 5, runAt: now.adding(seconds: -1))
        try s.add("c", priority: 0, runAt: now.adding(seconds: -10))
        try s.add("d", priority: 0, runAt: now.adding(seconds: -5))
        let later = now.adding(seconds: 3600)
        try s.add("e", priority: 9, runAt: later)
        // One due retry waiting in failed/ competes by the same name order.
        let fPath = try s.add("f", priority: 0, runAt: now.adding(seconds: -7))
        var f = try s.spool.readJob(at: fPath)
        f.state = .failed
        try s.spool.move(fPath, to: .failed, as: f, durable: false)

        let q = CandidateQueue(spool: s.spool)
        var order: [String] = []
        var states: [String: JobState] = [:]
        while let c = q.next(now: now, safetyInterval: 3600) {
            let id = try #require(JobFileName.id(of: c.name, in: c.state))
            // Nothing is claimed here, so once the window runs dry (and a millisecond has
            // passed: a loaded machine) a new scan offers the same names again: one round.
            if order.contains(id.rawValue) { break }
            order.append(id.rawValue)
            states[id.rawValue] = c.state
        }
        #expect(order == ["b", "a", "c", "f", "d"])
        #expect(states["f"] == .failed)
        #expect(q.nextDue == later, "the earliest not-yet-due job sets when to look again")
    }

    @Test func aJobFallsDueAndIsOfferedThen() throws {
        let s = try LibrarySpool("due")
        defer { s.remove() }
        let now = Timestamp.now()
        try s.add("soon", runAt: now.adding(seconds: 60))
        let q = CandidateQueue(spool: s.spool)
        #expect(q.next(now: now, safetyInterval: 3600) == nil)
        let c = q.next(now: now.adding(seconds: 61), safetyInterval: 3600)
        #expect(c.flatMap { JobFileName.id(of: $0.name, in: $0.state)?.rawValue } == "soon")
    }
}
