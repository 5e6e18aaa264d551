import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// The one table of legal moves, and the interrupted moves derived from it.
@Suite("transition table")
struct TransitionTableTests {
    @Test func adminMovesStartAndEndWhereTheLayoutSays() {
        #expect(Transition.dlqRetry.from == [.dead] && Transition.dlqRetry.to == .pending)
        #expect(Transition.retry.from == [.failed] && Transition.retry.to == .pending)
        #expect(Transition.hold.from == [.pending, .failed] && Transition.hold.to == .held)
        #expect(Transition.release.from == [.held] && Transition.release.to == .pending)
        #expect(Transition.dependenciesMet.from == [.waiting] && Transition.dependenciesMet.to == .pending)
        #expect(Transition.dependencyDead.from == [.waiting] && Transition.dependencyDead.to == .dead)
        #expect(Transition.deletable == Set(JobState.allCases).subtracting([.processing]))
    }

    @Test func interruptedMovesOutsideProcessingAreExactlyTheTableMoves() {
        var pairs: Set<String> = []
        for dir in JobState.allCases where dir != .processing {
            for json in JobState.allCases where Transition.isInterruptedMove(in: dir, jsonState: json) {
                pairs.insert("\(dir.rawValue)>\(json.rawValue)")
            }
        }
        #expect(pairs == ["dead>pending", "failed>pending", "pending>held", "failed>held", "held>pending",
                          "waiting>pending", "waiting>dead"])
    }

    @Test func inProcessingEveryOtherJSONStateIsAnInterruptedMove() {
        for json in JobState.allCases {
            #expect(Transition.isInterruptedMove(in: .processing, jsonState: json) == (json != .processing), "\(json)")
        }
        #expect(!Transition.isInterruptedMove(in: .completed, jsonState: .pending), "a hand move: the directory wins")
    }

    @Test func adminMovesRefuseOtherStates() throws {
        let s = try LibrarySpool("admin")
        defer { s.remove() }
        try s.add("p")
        let id = try JobID("p")
        #expect(throws: QueueError.self) { try s.spool.retryDead(id) }
        #expect(throws: QueueError.self) { try s.spool.release(id) }
        #expect(try s.spool.hold(id).state == .held)
        #expect(try s.spool.release(id).state == .pending)
    }
}
