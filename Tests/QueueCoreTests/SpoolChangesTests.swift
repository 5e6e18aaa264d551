import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#endif
import QueueSystem

/// The spool's change notifications (`SpoolChanges`): inotify on the state directories,
/// workers/ and the root, and the polling fallback.
@Suite("spool change notifications")
struct SpoolChangesTests {
    /// Collects changes until `done` holds for what was collected, or `timeout` passes.
    static func collect(_ changes: SpoolChanges, timeout: Double = 5, until done: ([SpoolChanges.Change]) -> Bool) -> [SpoolChanges.Change] {
        var got: [SpoolChanges.Change] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !done(got) { got += changes.wait(timeoutMilliseconds: 50) }
        return got
    }

    @Test func inotifyReportsJobsArrivingPerStateAndRescansForOtherChanges() throws {
        let lib = try LibrarySpool("changes")
        defer { lib.remove() }
        // A long poll period: every change below must come from inotify.
        let changes = SpoolChanges(spool: lib.spool, pollPeriod: 60, slowPollPeriod: 60)
        #expect(changes.fd >= 0)
        #expect(changes.isWatching)
        #expect(changes.drain().isEmpty)
        let id = try JobID("watched")
        try lib.add("watched")
        var got = Self.collect(changes) { $0.contains(.job(id, .pending)) }
        #expect(got.contains(.job(id, .pending)), "\(got)")
        _ = try lib.spool.hold(id)
        got = Self.collect(changes) { $0.contains(.job(id, .held)) }
        #expect(got.contains(.job(id, .held)), "\(got)")
        #expect(got.contains(.rescan), "the name left pending/: \(got)")
        _ = try lib.spool.delete(id)
        got = Self.collect(changes) { $0.contains(.rescan) }
        #expect(got == [.rescan], "a delete is seen (IN_DELETE): \(got)")
        try lib.spool.pause()
        got = Self.collect(changes) { $0.contains(.rescan) }
        #expect(got == [.rescan], "the pause flag: \(got)")
        FileManager.default.createFile(atPath: lib.spool.path("workers", "w1.json"), contents: Data("{}".utf8))
        got = Self.collect(changes) { $0.contains(.rescan) }
        #expect(got == [.rescan], "a worker registration: \(got)")
        // Foreign temporaries and worker logs are not changes.
        FileManager.default.createFile(atPath: lib.spool.path("pending", "x.json.tmp"), contents: Data("{}".utf8))
        FileManager.default.createFile(atPath: lib.spool.path("workers", "w1.log"), contents: Data("log".utf8))
        got = Self.collect(changes, timeout: 0.3) { !$0.isEmpty }
        #expect(got.isEmpty, "\(got)")
    }

    @Test func withoutInotifyItPollsAtThePollPeriod() throws {
        let lib = try LibrarySpool("poll")
        defer { lib.remove() }
        let changes = SpoolChanges(spool: lib.spool, useInotify: false, pollPeriod: 0.1, slowPollPeriod: 60)
        #expect(changes.fd == -1)
        #expect(!changes.isWatching)
        #expect(changes.period == 0.1)
        try lib.add("polled")
        let start = Date()
        var rounds = 0
        var got: [SpoolChanges.Change] = []
        while got.isEmpty && Date().timeIntervalSince(start) < 5 {
            got = changes.wait(timeoutMilliseconds: 5000)
            rounds += 1
        }
        #expect(got == [.rescan])
        #expect(Date().timeIntervalSince(start) < 1, "a rescan every 0.1 s")
        // And again at the next period (it keeps polling).
        let again = Date()
        got = changes.wait(timeoutMilliseconds: 5000)
        #expect(got == [.rescan])
        #expect(Date().timeIntervalSince(again) < 1)
    }
}
