import Foundation
@testable import QueueCore
import Testing
import QueueSystem

/// The rules of the event log and the archive, tested directly on a real spool.
@Suite("event log and archive (library)")
struct EventLogArchiveLibraryTests {
    /// Writers on 8 threads with a 4 KiB limit: the log rotates many times, never more than
    /// `event_log_keep` rotated files exist, and every line of every file is a whole JSON object.
    @Test func concurrentWritersRotateWithoutSplittingLines() throws {
        let l = try LibrarySpool("evrot")
        defer { l.remove() }
        var c = Config()
        c.eventLogMaxBytes = 4096
        c.eventLogKeep = 2
        try FileSystem.writeNewFile(l.spool.configPath, JSONCoding.encode(c.jsonObject(), pretty: true), sync: false)
        let job = Job(id: try JobID("x"), command: "true")
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<100 { l.spool.logEvent(job, from: "pending", to: "held", reason: "thread \(t) line \(i)") }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: l.spool.eventsDirectory).filter { !$0.hasPrefix(".") }.sorted()
        #expect(files == ["events.log", "events.log.1", "events.log.2"], "\(files)")
        for f in files {
            let text = try String(contentsOfFile: l.spool.path("events", f), encoding: .utf8)
            #expect(text.isEmpty || text.hasSuffix("\n"))
            for line in text.split(separator: "\n") {
                guard case .object(let o)? = try? JSONCoding.decode(Array(line.utf8)) else { Issue.record("split line in \(f): \(line)"); continue }
                #expect(o["job"]?.stringValue == "x" && o["to"]?.stringValue == "held")
            }
        }
        // Rotated files hold about the limit each (one write may cross it).
        let size = try FileStatus.of(l.spool.path("events", "events.log.1")).size
        #expect(size >= 4096 && size < 4096 + 512, "\(size)")
    }

    /// A long reason is cut so a line stays small (one write is never split).
    @Test func longReasonsAreCut() throws {
        let job = Job(id: try JobID("y"), command: "true")
        let line = JobEvent(job, from: nil, to: "pending", reason: String(repeating: "é", count: 5000)).line(by: .current)
        #expect(line.count < JobEvent.maxReasonBytes + 512)
        #expect(line.last == 0x0A)
        guard case .object(let o)? = try? JSONCoding.decode(Array(line.dropLast())) else { Issue.record("not JSON"); return }
        #expect((o["reason"]?.stringValue?.utf8.count ?? 0) <= JobEvent.maxReasonBytes)
    }

    /// Only jobs that finished before the cutoff move, each into the file of its finishing day.
    @Test func archivesByFinishedTimeIntoTheDayFile() throws {
        let l = try LibrarySpool("arch")
        defer { l.remove() }
        let now = Timestamp.now()
        let old = now.adding(seconds: -3 * 86400)
        for (id, finished) in [("old", old), ("new", now)] {
            let p = try l.add(id)
            var job = try l.spool.readJob(at: p)
            job.state = .completed
            job.finishedAt = finished
            try l.spool.move(p, to: .completed, as: job, durable: true)
        }
        let report = try l.spool.archive(states: [.completed], olderThan: 86400, now: now)
        #expect(report.archived == 1)
        #expect(l.names(.completed) == ["new.json"])
        let day = String(old.iso8601.prefix(10))
        let text = try String(contentsOfFile: l.spool.path("archive", "\(day).jsonl"), encoding: .utf8)
        #expect(text.split(separator: "\n").count == 1 && text.contains(#""id":"old""#))
        #expect(l.spool.findArchived(try JobID("old"))?.finishedAt == old)
        #expect(l.spool.findArchived(try JobID("new")) == nil)
        // A worker's cheap pass (trustMtime) skips a file modified after the cutoff, even when
        // its finished_at is old: it was rewritten since (here: by the move above).
        let p = try l.add("rewritten")
        var job = try l.spool.readJob(at: p)
        job.state = .completed
        job.finishedAt = old
        try l.spool.move(p, to: .completed, as: job, durable: true)
        #expect(try l.spool.archive(states: [.completed], olderThan: 86400, now: now, trustMtime: true).archived == 0)
        #expect(try l.spool.archive(states: [.completed], olderThan: 86400, now: now).archived == 1)
    }
}
