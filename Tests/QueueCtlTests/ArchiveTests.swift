import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// `queuectl archive`, `list --archived`, `show` of an archived job, the worker's
/// `archive_after`, and crashes in the middle of an archive run, through the real binary.
@Suite("archive")
struct ArchiveTests {
    /// Every archive line of the spool, parsed (a line that does not parse is reported).
    func archiveLines(_ s: TempSpool) -> [[String: Any]] {
        var out: [[String: Any]] = []
        for name in s.files("archive") where name.hasSuffix(".jsonl") {
            for line in s.read(s.path("archive/\(name)")).split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                guard let o = parseJSON(String(line)) as? [String: Any] else { Issue.record("bad archive line in \(name): \(line)"); continue }
                out.append(o)
            }
        }
        return out
    }

    /// Three finished jobs (two completed, one dead) whose ids are o1, o2, o3.
    func finishOldJobs(_ s: TempSpool) throws {
        s.fast(["poll_interval": "0.05"])
        s.enqueue(#"{"id":"o1","command":"echo output-of-o1"}"#)
        s.enqueue(#"{"id":"o2","command":"true"}"#)
        s.enqueue(#"{"id":"o3","command":"exit 3","max_retries":0}"#)
        try #require(s.run("worker", "start", "--exit-when-idle").code == 0)
        try #require(s.ids(in: .completed) == ["o1", "o2"] && s.ids(in: .dead) == ["o3"])
    }

    @Test func archivesOldJobsOnlyAndFindsThem() throws {
        let s = TempSpool()
        try finishOldJobs(s)
        usleep(1_300_000)
        s.enqueue(#"{"id":"n1","command":"true"}"#)
        try #require(s.run("worker", "start", "--exit-when-idle").code == 0)

        let dry = s.run("archive", "--older-than", "1s", "--dry-run")
        #expect(dry.code == 0 && dry.out.contains("would archive 3 jobs"), "\(dry)")
        #expect(archiveLines(s).isEmpty && s.ids(in: .completed) == ["n1", "o1", "o2"])

        let r = s.run("archive", "--older-than", "1s")
        #expect(r.code == 0 && r.out.contains("archived 3 jobs"), "\(r)")
        #expect(s.ids(in: .completed) == ["n1"] && s.ids(in: .dead).isEmpty)
        let lines = archiveLines(s)
        #expect(lines.compactMap { $0["id"] as? String }.sorted() == ["o1", "o2", "o3"], "\(lines)")
        // One file per finishing day (UTC), named by it; logs and id markers left the spool.
        for l in lines {
            let day = String((l["finished_at"] as? String ?? "").prefix(10))
            #expect(s.files("archive").contains("\(day).jsonl"))
        }
        #expect(!FileManager.default.fileExists(atPath: s.path("logs/o1.log")))
        #expect(!FileManager.default.fileExists(atPath: s.path("ids/o1")) && FileManager.default.fileExists(atPath: s.path("ids/n1")))
        #expect(s.files("archive/staging").isEmpty)

        let listed = s.run("list", "--archived")
        #expect(listed.code == 0)
        #expect(listed.lines.dropFirst().compactMap { $0.split(separator: "\t").first.map(String.init) }.sorted() == ["o1", "o2", "o3"], "\(listed)")
        let dead = s.run("list", "--archived", "--state", "dead", "--json")
        #expect(parseJSONLines(dead.out)?.compactMap { $0["id"] as? String } == ["o3"], "\(dead)")
        #expect(s.run("list", "--archived", "--limit", "2").lines.count == 3)

        let shown = s.run("show", "o1", "--json")
        #expect(shown.code == 0, "\(shown)")
        let job = try #require(parseJSON(shown.out) as? [String: Any])
        #expect(job["state"] as? String == "completed" && job["archived_at"] is String)
        #expect((job["log_tail"] as? String)?.contains("output-of-o1") == true, "\(job)")
        #expect(s.run("show", "n1").code == 0)
        #expect(s.run("show", "nope").code == 1)
        let why = s.run("why", "o1")
        #expect(why.code == 0 && why.out.hasPrefix("o1: archived at ") && why.out.contains("completed at "), "\(why)")
        #expect(s.run("why", "o3").out.contains("dead after"))
        #expect(s.run("why", "nope").code == 1)
        // A second run finds nothing more; the event log says where they went.
        #expect(s.run("archive", "--older-than", "1s").out.contains("archived 0 jobs"))
        let ev = s.run("events", "--json").lines.compactMap { parseJSON($0) as? [String: Any] }
        #expect(ev.filter { $0["to"] as? String == "archived" }.compactMap { $0["job"] as? String }.sorted() == ["o1", "o2", "o3"])
    }

    @Test func refusesFailedAndBadDurations() {
        let s = TempSpool()
        #expect(s.run("archive", "--older-than", "1d", "--state", "failed").code == 2)
        #expect(s.run("archive", "--older-than", "soon").code == 2)
        #expect(s.run("archive").code == 2)
    }

    /// Killed after each step of a batch: `show` still finds every job, and a rerun leaves each
    /// job exactly once in the archive and nowhere else.
    @Test(arguments: ["archive:staged", "archive:appended", "archive:removed"])
    func crashInTheMiddleLosesAndDuplicatesNothing(step: String) throws {
        let s = TempSpool()
        try finishOldJobs(s)
        let crashed = s.run(["archive", "--older-than", "0"], env: ["QUEUECTL_CRASH_AT": step])
        try #require(crashed.code == 128 + SIGKILL, "\(crashed)")
        for id in ["o1", "o2", "o3"] { #expect(s.run("show", id).code == 0, "\(id) not found after a crash at \(step)") }
        let seen = s.run("list", "--archived").lines.dropFirst().compactMap { $0.split(separator: "\t").first.map(String.init) }
        // (The crash hits the first batch, completed/; dead/ comes after it.)
        #expect((seen + s.ids(in: .completed) + s.ids(in: .dead)).sorted() == ["o1", "o2", "o3"], "after a crash at \(step): \(seen)")
        let again = s.run("archive", "--older-than", "0")
        #expect(again.code == 0, "\(again)")
        #expect(archiveLines(s).compactMap { $0["id"] as? String }.sorted() == ["o1", "o2", "o3"], "after a crash at \(step)")
        #expect(s.files("archive/staging").isEmpty && s.files("completed").isEmpty && s.files("dead").isEmpty)
        #expect(s.run("list", "--archived").lines.count == 4)
    }

    /// A crash in the middle of the append leaves a partial last line: it is cut off and the
    /// staged jobs are appended whole.
    @Test func partialLineFromACrashedAppendIsRepaired() throws {
        let s = TempSpool()
        try finishOldJobs(s)
        let crashed = s.run(["archive", "--older-than", "0"], env: ["QUEUECTL_CRASH_AT": "archive:staged"])
        try #require(crashed.code == 128 + SIGKILL)
        let staged = s.read(s.path("archive/staging/o1.json"))
        let day = String(try #require((parseJSON(staged) as? [String: Any])?["finished_at"] as? String).prefix(10))
        s.write(s.path("archive/\(day).jsonl"), #"{"attempts":1,"command":"echo output-of-o1","created_at":"#)
        #expect(s.run("archive", "--older-than", "0").code == 0)
        let text = s.read(s.path("archive/\(day).jsonl"))
        #expect(text.hasSuffix("\n") && text.split(separator: "\n").count == 3, "\(text)")
        #expect(archiveLines(s).compactMap { $0["id"] as? String }.sorted() == ["o1", "o2", "o3"])
    }

    /// `archive_after`: a running worker archives finished jobs older than that by itself.
    @Test func workerArchivesByRetention() throws {
        let s = TempSpool()
        s.fast(["poll_interval": "0.05", "archive_after": "1", "archive_every": "0.1"])
        s.enqueue(#"{"id":"w1","command":"true"}"#)
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(eventually { s.ids(in: .completed) == ["w1"] || !archiveLines(s).isEmpty })
        #expect(eventually(timeout: 15) { s.ids(in: .completed).isEmpty && archiveLines(s).compactMap { $0["id"] as? String } == ["w1"] },
                "completed: \(s.ids(in: .completed)), archive: \(archiveLines(s))")
        #expect(w.stop() == 0)
    }
}
