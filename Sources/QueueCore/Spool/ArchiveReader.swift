import QueueSystem

/// Reading `archive/` (`list --archived`, and `show ID` for a job no longer in the spool). The
/// day files are streamed line by line (memory: one line and the jobs asked for); a lookup by
/// id reads every day file, newest first, until it finds the id: its cost grows with the archive.
public enum ArchivedJob {
    /// Parses one archive line into a job (its `archived_at` and `log_tail` are in `extra`);
    /// nil for a line that is not a job (e.g. edited by hand).
    public static func parse(_ line: String) -> Job? {
        guard !line.isEmpty else { return nil }
        return try? Job.decode(Array(line.utf8))
    }
}

extension Spool {
    /// The day files of `archive/`, newest day first.
    public func archiveDays() -> [String] {
        let names = (try? DirectoryStream.names(archiveDirectory)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") && !$0.hasPrefix(".") }.sorted(by: >)
    }

    /// Calls `body` for each archived job of `states` (all when empty): newest day first, in
    /// the order they were archived within a day, then those still in `archive/staging/`
    /// (an archive run in progress or interrupted). `body` returns false to stop.
    public func forEachArchived(states: [JobState] = [], _ body: (Job) -> Bool) {
        var going = true
        for day in archiveDays() where going {
            var tail = EventLogReader.Tail(path: path("archive", day))
            tail.drain { line in
                guard going, let job = ArchivedJob.parse(line), states.isEmpty || states.contains(job.state) else { return }
                going = body(job)
            }
            tail.close()
        }
        guard going else { return }
        // Staged jobs (at most a few batches) whose line is not in their day file yet.
        var staged: [Job] = []
        for name in ((try? DirectoryStream.names(archiveStagingDirectory)) ?? []).sorted() {
            guard JobFileName.parsePlain(name) != nil, let job = try? readJob(at: path("archive", "staging", name)),
                  states.isEmpty || states.contains(job.state) else { continue }
            staged.append(job)
        }
        for day in Set(staged.map { Spool.archiveDay(of: $0) }).sorted(by: >) where going {
            let jobs = staged.filter { Spool.archiveDay(of: $0) == day }
            let present = Spool.archivedKeys(in: path("archive", "\(day).jsonl"), among: Set(jobs.map(Spool.archiveKey)))
            for job in jobs where going && !present.contains(Spool.archiveKey(job)) { going = body(job) }
        }
    }

    /// The archived job with `id`: from `archive/staging/` if it is there, else the last line
    /// with that id in the newest day file that has one. Reads the whole archive at worst.
    public func findArchived(_ id: JobID) -> Job? {
        if let job = try? readJob(at: path("archive", "staging", JobFileName.plain(id))) { return job }
        var quoted: [UInt8] = []
        JSONWriter.writeString(id.rawValue, into: &quoted)
        let needle = "\"id\":" + String(decoding: quoted, as: UTF8.self)
        for day in archiveDays() {
            var found: Job?
            var tail = EventLogReader.Tail(path: path("archive", day))
            tail.drain { line in
                guard line.contains(needle), let job = ArchivedJob.parse(line), job.id == id else { return }
                found = job
            }
            tail.close()
            if let found { return found }
        }
        return nil
    }
}
