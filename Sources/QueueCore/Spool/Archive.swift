#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// What one archive run did.
public struct ArchiveReport: Sendable, Equatable {
    /// Jobs appended to the archive and removed from the spool by this run.
    public var archived = 0
    /// Of those, jobs a crashed earlier run had left in `archive/staging/`.
    public var settled = 0
    /// Staged jobs whose line an earlier run had already appended (only unlinked now).
    public var alreadyArchived = 0
    /// With `dryRun`: the jobs that would be archived.
    public var wouldArchive = 0
    /// False when another process held the archive lock and `wait` was false.
    public var ran = true
}

/// Archiving finished jobs into `archive/YYYY-MM-DD.jsonl` (one JSON line per job, by the UTC
/// day of its `finished_at`). Per batch of at most `archiveBatchSize` jobs, under an exclusive
/// `flock` of `archive/.lock`:
///
/// 1. each job file is renamed into `archive/staging/<id>.json`; staging/ and the source
///    directories are fsynced (`archive:staged`);
/// 2. the lines of the batch are appended to their day files, each fsynced (and archive/ when a
///    day file was created) (`archive:appended`);
/// 3. the staged files, the jobs' logs and `ids/` markers are unlinked; staging/ and ids/ fsynced
///    (`archive:removed`).
///
/// Every run (and `queuectl recover`) first settles what a crashed run left in staging/: a
/// staged job whose line (same `id` and `created_at`) is already in its day file is only
/// unlinked, any other is appended first. A partial last line (a crash during step 2) is cut off
/// before appending: its job is still staged. So a crash anywhere loses nothing and duplicates
/// nothing. Memory is bounded by the batch.
extension Spool {
    public var archiveDirectory: String { path("archive") }
    var archiveStagingDirectory: String { path("archive", "staging") }
    public static let archiveBatchSize = 500
    /// The most of a job's log kept in its archive line (`log_tail`), in bytes.
    public static let archiveLogTailBytes = 4096

    /// Archives the jobs of `states` (completed and/or dead) that finished more than `olderThan`
    /// seconds before `now` (`finished_at`; the file's mtime when it has none).
    /// - Parameters:
    ///   - dryRun: only counts (and reports through `onCandidate`) what would be archived.
    ///   - maxBatches: stop after this many batches (workers: 1).
    ///   - trustMtime: skip, without reading it, a file modified after the cutoff (a job's file
    ///     is written when it finishes, so it cannot have finished earlier unless it was
    ///     rewritten since; such a job is archived later). Workers use it to stay cheap.
    ///   - wait: wait for another archiver's lock; when false and it is held, returns `ran: false`.
    /// - Throws: `QueueError` for I/O failures (what was staged is settled by the next run).
    public func archive(states: [JobState], olderThan: Double, now: Timestamp = .now(), dryRun: Bool = false,
                        maxBatches: Int? = nil, trustMtime: Bool = false, wait: Bool = true,
                        onCandidate: (Job) -> Void = { _ in }, progress: ProgressReporter? = nil) throws(QueueError) -> ArchiveReport {
        precondition(states.allSatisfy(\.isTerminal), "archive: only completed and dead jobs")
        var report = ArchiveReport()
        let cutoff = now.adding(seconds: -olderThan)
        do {
            var lock: Int32 = -1
            defer { if lock >= 0 { close(lock) } }
            if !dryRun {  // a dry run changes nothing, not even archive/
                try createArchiveDirectories()
                guard let fd = try lockArchive(wait: wait) else { report.ran = false; return report }
                lock = fd
                try settleStaging(&report)
            }
            var batches = 0
            for state in states {
                var batch: [(name: String, job: Job)] = []
                var stop = false
                var examined = 0
                try DirectoryStream.forEach(directory(state)) { entry in
                    examined += 1
                    progress?.advance("\(state.rawValue): examined", done: examined, total: nil)
                    guard JobFileName.parsePlain(entry.name) != nil else { return true }
                    let p = path(state.directory, entry.name)
                    guard let st = try? FileStatus.of(p), st.kind == .regular else { return true }
                    if trustMtime && Timestamp(micros: st.modifiedNanos / 1000) >= cutoff { return true }
                    guard let job = try? readJob(at: p), job.state == state else { return true }
                    guard (job.finishedAt ?? Timestamp(micros: st.modifiedNanos / 1000)) < cutoff else { return true }
                    if dryRun { report.wouldArchive += 1; onCandidate(job); return true }
                    batch.append((entry.name, job))
                    guard batch.count >= Spool.archiveBatchSize else { return true }
                    try archiveBatch(batch, from: state, &report)
                    batch.removeAll()
                    batches += 1
                    if let maxBatches, batches >= maxBatches { stop = true; return false }
                    return true
                }
                if !batch.isEmpty { try archiveBatch(batch, from: state, &report); batches += 1 }
                if stop || (maxBatches.map { batches >= $0 } ?? false) { break }
            }
        } catch let e as QueueError {
            throw e
        } catch {
            throw .failure("archive failed", error)
        }
        return report
    }

    /// Settles what a crashed archive run left in `archive/staging/` (see the type's comment).
    /// Called by every archive run and by `queuectl recover`.
    public func settleArchiveStaging() throws(QueueError) -> ArchiveReport {
        var report = ArchiveReport()
        guard (try? FileStatus.of(archiveStagingDirectory)) != nil else { return report }
        do {
            guard let lock = try lockArchive(wait: true) else { return report }
            defer { close(lock) }
            try settleStaging(&report)
        } catch let e as QueueError {
            throw e
        } catch {
            throw .failure("cannot settle archive/staging", error)
        }
        return report
    }

    private func createArchiveDirectories() throws(SystemError) {
        if try FileSystem.makeDirectory(archiveDirectory) { try FileSystem.syncDirectory(root) }
        if try FileSystem.makeDirectory(archiveStagingDirectory) { try FileSystem.syncDirectory(archiveDirectory) }
    }

    /// An exclusive `flock` on `archive/.lock` (one archiver at a time, on every host where
    /// `flock` reaches); nil when `wait` is false and another holds it.
    private func lockArchive(wait: Bool) throws(SystemError) -> Int32? {
        let fd = try FileDescriptor.open(path("archive", ".lock"), flags: O_RDWR | O_CREAT | O_NOFOLLOW)
        while flock(fd.rawValue, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            fd.close()
            if errno == EWOULDBLOCK { return nil }
            throw SystemError(errno: Errno.current, operation: "flock", path: path("archive", ".lock"))
        }
        return fd.rawValue
    }

    /// Steps 1 to 3 for jobs found in `state`'s directory.
    private func archiveBatch(_ batch: [(name: String, job: Job)], from state: JobState, _ report: inout ArchiveReport) throws {
        var staged: [(name: String, job: Job)] = []
        for (name, _) in batch {
            let id = JobFileName.parsePlain(name)!
            let dest = path("archive", "staging", JobFileName.plain(id))
            // Not renamed: moved meanwhile (an admin command), or a staged copy to settle next run.
            guard try Spool.renameUnlessGone(path(state.directory, name), dest) else { continue }
            // The content as staged (an admin move may have rewritten it after we read it).
            guard let job = try? readJob(at: dest), job.state == state else {
                _ = try? FileSystem.renameNoReplace(dest, path(state.directory, name))
                continue
            }
            staged.append((JobFileName.plain(id), job))
        }
        guard !staged.isEmpty else { return }
        try FileSystem.syncDirectory(archiveStagingDirectory)
        try FileSystem.syncDirectory(directory(state))
        CrashPoint.hit("archive:staged")
        try commitStaged(staged, checkExisting: false, &report)
    }

    /// A no-replace rename; false when the source vanished or the destination exists.
    private static func renameUnlessGone(_ from: String, _ to: String) throws(SystemError) -> Bool {
        do {
            try FileSystem.renameNoReplace(from, to)
            return true
        } catch where error.isNotFound || error.isExists {
            return false
        }
    }

    /// Settles every staged file, in batches.
    private func settleStaging(_ report: inout ArchiveReport) throws {
        var batch: [(name: String, job: Job)] = []
        var names: [String] = []
        try DirectoryStream.forEach(archiveStagingDirectory) { entry in
            if !JobFileName.isForeignTemporary(entry.name), JobFileName.parsePlain(entry.name) != nil { names.append(entry.name) }
            return names.count < Spool.archiveBatchSize * 20
        }
        for name in names {
            let p = path("archive", "staging", name)
            let job: Job
            do { job = try readJob(at: p) } catch {
                _ = try? quarantine(name, in: "archive/staging", reason: "staged for the archive but unreadable: \(error)")
                continue
            }
            guard job.state.isTerminal else {
                // Staged while an admin move rewrote it: give it back to the directory it names.
                try? FileSystem.renameNoReplace(p, path(job.state.directory, JobFileName.name(for: job, in: job.state)))
                continue
            }
            batch.append((name, job))
            if batch.count >= Spool.archiveBatchSize { try commitStaged(batch, checkExisting: true, &report); batch.removeAll() }
        }
        if !batch.isEmpty { try commitStaged(batch, checkExisting: true, &report) }
        try FileSystem.syncDirectory(archiveStagingDirectory)
    }

    /// Steps 2 and 3 for staged jobs. With `checkExisting`, jobs whose line is already in their
    /// day file are not appended again.
    private func commitStaged(_ staged: [(name: String, job: Job)], checkExisting: Bool, _ report: inout ArchiveReport) throws {
        var byDay: [String: [Job]] = [:]
        for s in staged { byDay[Spool.archiveDay(of: s.job), default: []].append(s.job) }
        let archivedAt = Timestamp.now()
        for day in byDay.keys.sorted() {
            var jobs = byDay[day]!
            let file = path("archive", "\(day).jsonl")
            if checkExisting {
                let present = Spool.archivedKeys(in: file, among: Set(jobs.map(Spool.archiveKey)))
                let before = jobs.count
                jobs.removeAll { present.contains(Spool.archiveKey($0)) }
                report.alreadyArchived += before - jobs.count
            }
            guard !jobs.isEmpty else { continue }
            var bytes: [UInt8] = []
            for job in jobs { bytes += archiveLine(job, archivedAt: archivedAt) }
            try appendDurably(file, bytes)
        }
        CrashPoint.hit("archive:appended")
        var events: [JobEvent] = []
        for s in staged {
            _ = try FileSystem.unlinkIfExists(path("archive", "staging", s.name))
            // While it was staged, a new job may have taken the id over (no job had it): then
            // the marker and the log are that job's.
            if readMarker(s.job.id).map({ $0.createdAt == s.job.createdAt }) ?? true {
                _ = try? FileSystem.unlinkIfExists(logPath(s.job.id))
                _ = try? FileSystem.unlinkIfExists(markerPath(s.job.id))
            }
            events.append(JobEvent(s.job, from: s.job.state.rawValue, to: "archived", reason: "archive/\(Spool.archiveDay(of: s.job)).jsonl"))
        }
        try FileSystem.syncDirectory(archiveStagingDirectory)
        try FileSystem.syncDirectory(path("ids"))
        logEvents(events)
        report.archived += staged.count
        if checkExisting { report.settled += staged.count }
        CrashPoint.hit("archive:removed")
    }
}
