import Foundation
@testable import QueueCore
import QueueSystem
import Testing

/// The job counters (`Spool.counters()`): per-worker figures in registrations, folded into
/// `stats/totals.json` when a registration goes away; never lost to a fold, never counted twice.
@Suite("job counters")
struct CountersTests {
    static let started = Timestamp(micros: 1_700_000_000_000_000)

    static func publish(_ spool: Spool, _ worker: ProcessTag, _ c: JobCounters, started: Timestamp = started) throws {
        try spool.register(worker, count: 1, background: false, logPath: nil, startedAt: started, stats: ["counters": c.json])
    }

    static func worker(_ n: UInt64) -> ProcessTag { ProcessTag(escapedHost: "elsewhere", pid: 4000 + Int32(n), startTime: n) }

    @Test func aFoldIsAppliedOnceAndTheRegistrationIsNotCountedBesideIt() throws {
        let s = try LibrarySpool("fold-once")
        defer { s.remove() }
        let w = Self.worker(1)
        let c = JobCounters(attempts: 5, completed: 2, retried: 2, dead: 1)
        #expect(try s.spool.counters() == JobCounters())
        try Self.publish(s.spool, w, c)
        #expect(try s.spool.counters() == c)
        // Folded but not yet unlinked (a crash between the two): counted once.
        try s.spool.foldCounters(of: w, startedAt: Self.started.iso8601, c)
        #expect(try s.spool.counters() == c)
        // A second folder (another recoverer) of the same registration adds nothing.
        #expect(s.spool.foldRegistration(of: w))
        #expect(try s.spool.readTotals().sum == c)
        s.spool.deregister(w)
        #expect(try s.spool.counters() == c)
        // The file is the documented one.
        let totals = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.spool.totalsPath))) as? [String: Any])
        #expect(totals["completed"] as? Int == 2 && totals["attempts"] as? Int == 5)
        #expect(((totals["folded"] as? [String: Any])?[w.rawValue] as? [String: Any])?["at"] is String)
    }

    @Test func aFoldBetweenTheReadersTwoReadsIsNeitherLostNorCountedTwice() throws {
        let s = try LibrarySpool("fold-window")
        defer { s.remove() }
        let (a, b) = (Self.worker(1), Self.worker(2))
        let ca = JobCounters(attempts: 3, completed: 3), cb = JobCounters(attempts: 4, retried: 1, dead: 3)
        try Self.publish(s.spool, a, ca)
        try Self.publish(s.spool, b, cb)
        // a exits between the reads: its final counters (one more) are folded, its registration removed.
        let final = JobCounters(attempts: 4, completed: 4)
        let seen = try s.spool.counters(betweenReads: {
            try? s.spool.foldCounters(of: a, startedAt: Self.started.iso8601, final)
            s.spool.deregister(a)
        })
        #expect(seen == final + cb)
        // b is folded (not unlinked) between the reads: still once.
        let seen2 = try s.spool.counters(betweenReads: { _ = s.spool.foldRegistration(of: b) })
        #expect(seen2 == final + cb)
        #expect(try s.spool.counters() == final + cb)
    }

    @Test func concurrentFoldersAndReadersNeverLoseOrDoubleCount() throws {
        let s = try LibrarySpool("fold-race")
        defer { s.remove() }
        let n = 24
        let each = JobCounters(attempts: 2, completed: 1, retried: 1)
        for i in 1...n { try Self.publish(s.spool, Self.worker(UInt64(i)), each) }
        let expected = JobCounters(attempts: 2 * Int64(n), completed: Int64(n), retried: Int64(n))
        let wrong = LockedValue<[String]>([])
        let done = LockedValue<Int>(0)
        // Two recoverers fold every registration (one also unlinks it) while a reader reads.
        for unlinks in [true, false] {
            DetachedThread.start {
                for i in 1...n {
                    let w = Self.worker(UInt64(i))
                    if !s.spool.foldRegistration(of: w) { wrong.withLock { $0.append("fold of \(i) failed") } }
                    if unlinks { s.spool.deregister(w) }
                }
                done.withLock { $0 += 1 }
            }
        }
        while done.withLock({ $0 }) < 2 {
            let c = try s.spool.counters()
            if c != expected { wrong.withLock { $0.append("read \(c)") } }
        }
        #expect(wrong.withLock { $0 } == [])
        #expect(try s.spool.counters() == expected)
        #expect(try s.spool.readTotals().sum == expected)
        #expect(s.spool.publishedCounters().isEmpty)
    }

    @Test func aRestartedWorkerAddsToTheCountsAndOldFoldsArePruned() throws {
        let s = try LibrarySpool("restart")
        defer { s.remove() }
        let w = Self.worker(1)
        let first = JobCounters(attempts: 3, completed: 3)
        try Self.publish(s.spool, w, first)
        #expect(s.spool.foldRegistration(of: w))
        s.spool.deregister(w)
        // The same id runs again (an embedding process, one Worker after another): a new run.
        let later = Self.started.adding(seconds: 10)
        let second = JobCounters(attempts: 1, dead: 1)
        try Self.publish(s.spool, w, second, started: later)
        #expect(try s.spool.counters() == first + second)
        try s.spool.foldCounters(of: w, startedAt: later.iso8601, second)
        s.spool.deregister(w)
        #expect(try s.spool.counters() == first + second)
        // An hour later, a fold prunes entries whose registration is gone; the sums stay.
        try s.spool.foldCounters(of: Self.worker(2), startedAt: "x", JobCounters(attempts: 1), now: .now().adding(seconds: 3700))
        #expect(try s.spool.readTotals().folded.keys.sorted() == [Self.worker(2).rawValue])
        #expect(try s.spool.counters() == first + second + JobCounters(attempts: 1))
    }

    @Test func aRealWorkerCountsAttemptsAndOutcomesAndFoldsThemAsItExits() throws {
        let s = try LibrarySpool("embedded")
        defer { s.remove() }
        try s.spool.updateConfig { $0.pollInterval = 0.05; $0.timeUnit = 0.001 }
        var jobs = [Job(id: try JobID("ok"), command: "true"), Job(id: try JobID("bad"), command: "exit 3")]
        jobs[1].maxRetries = 1
        try s.spool.enqueue(jobs)
        for run in 1...2 {
            var options = Worker.Options()
            options.exitWhenIdle = true
            let worker = Worker(spool: s.spool, options: options, tag: ProcessTag(escapedHost: "embedded", pid: getpid(), startTime: UInt64(run))) { _ in }
            try worker.run()
            #expect(s.spool.publishedCounters().isEmpty, "the registration is removed at exit")
            if run == 1 { try s.spool.enqueue([Job(id: try JobID("ok2"), command: "true")]) }
        }
        #expect(try s.spool.counters() == JobCounters(attempts: 4, completed: 2, retried: 1, dead: 1))
    }
}
