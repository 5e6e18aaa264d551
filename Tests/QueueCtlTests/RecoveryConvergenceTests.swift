import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// `recover` converges in one run: whatever a crash (or a power cut) left, one `recover` brings
/// the spool to a state where each job has one copy, and a second `recover` changes nothing.
@Suite("recovery converges in one run")
struct RecoveryConvergenceTests {
    /// `dlq retry` killed between the exchange (dead/j1 now says pending) and the rename, beside
    /// a stale `pending/…j1.json` (what a power cut leaves when the claim's removal from pending/
    /// was not durable). Before the fix, `recover` completed the move into pending/ next to the
    /// stale copy, exited 1 "duplicate-id", and needed a second run.
    @Test func dlqRetryCrashBesideStaleCopyConvergesInOneRecover() throws {
        let s = TempSpool()
        s.fast()
        let job = #"{"id":"j1","command":"exit 3","max_retries":0}"#
        try #require(s.run(["enqueue", job]).code == 0)
        let staleName = try #require(s.files("pending").first)
        let staleBytes = try #require(FileManager.default.contents(atPath: "\(s.root)/pending/\(staleName)"))
        let drain = s.run(["worker", "start", "--exit-when-idle"])
        try #require(drain.code == 0, "\(drain)")
        try #require(s.copies(of: "j1").map(\.directory) == ["dead"], "setup: the job should be dead")

        let crashed = s.run(["dlq", "retry", "j1"], env: ["QUEUECTL_CRASH_AT": "move:rewritten:pending"])
        try #require(crashed.code == killedBySIGKILL, "dlq retry should have been killed at the crash point: \(crashed)")
        // The stale copy a power cut would have kept.
        try #require(FileManager.default.createFile(atPath: "\(s.root)/pending/\(staleName)", contents: staleBytes))
        try #require(Set(s.copies(of: "j1").map(\.directory)) == ["dead", "pending"])

        let first = s.run(["recover"])
        #expect(first.code == 0, "one recover must converge: \(first)")
        let copies = s.copies(of: "j1")
        #expect(copies.count == 1 && copies.first?.directory == "pending", "\(copies)")
        #expect(s.jobFileProblems().isEmpty, "\(s.jobFileProblems())")

        let before = s.snapshot()
        let second = s.run(["recover"])
        #expect(second.code == 0, "\(second)")
        #expect(s.snapshot() == before, "a second recover changed the spool: \(second)")
        let fsck = s.run(["fsck"])
        #expect(fsck.code == 0, "\(fsck)")
    }
}
