import QueueSystem

/// A job file at a path, as read from disk.
public struct JobFile: Sendable {
    public var path: String
    public var state: JobState
    public var job: Job
}

/// Where a job file was found and under which name.
public struct JobLocation: Sendable, Equatable {
    public var state: JobState
    public var name: String
    public var path: String
}

/// Reading and writing job files. Every write goes through tmp/: write, optionally fsync,
/// then rename into place, so no reader ever sees a partial job file.
extension Spool {
    /// The size above which a job file is quarantined instead of parsed.
    public static let maxJobFileSize = 1 << 20

    /// Reads and parses a job file without following symlinks.
    /// - Throws: `SystemError` for I/O (ENOENT when it vanished, ELOOP for a symlink);
    ///   `QueueError.invalidJob` when it is too large or not a valid job.
    public func readJob(at path: String) throws -> Job {
        guard let bytes = try FileSystem.readFile(path, limit: Spool.maxJobFileSize) else {
            throw QueueError.invalidJob("file is larger than \(Spool.maxJobFileSize) bytes")
        }
        return try Job.decode(bytes)
    }

    /// Writes `job` to a fresh tmp/ file and returns its path.
    func writeTemporary(_ job: Job, sync: Bool) throws(SystemError) -> String {
        let tmp = tmpName(job.id.rawValue)
        try FileSystem.writeNewFile(tmp, job.encoded(), sync: sync)
        return tmp
    }

    /// Rewrites the file at `path` with `job`'s content, atomically: the new content is written
    /// to tmp/ and exchanged with `path`, so a concurrent rename of `path` (a lost claim) makes
    /// this fail with ENOENT instead of resurrecting the file.
    /// On a filesystem without `RENAME_EXCHANGE` this is a fenced move onto `path` itself
    /// (`fencedMove`): plain renames, the rename of `path` deciding the race.
    public func rewrite(_ path: String, with job: Job, sync: Bool) throws(SystemError) {
        if !hasAtomicRenameFlags {
            try fencedMove(path, to: path, as: job, durable: sync)
            return
        }
        let tmp = try writeTemporary(job, sync: sync)
        do {
            try FileSystem.exchange(tmp, path)
        } catch {
            _ = try? FileSystem.unlinkIfExists(tmp)
            throw error
        }
        _ = try? FileSystem.unlinkIfExists(tmp)
    }

    /// Moves the job at `from` to `state`'s directory with new content `job` (whose `state`
    /// must already be the destination): first its content is rewritten in place (the intent),
    /// then the file is renamed. A crash between the two leaves a file whose JSON names the
    /// directory it was going to; recovery completes the move.
    ///
    /// With `durable`, both directories are fsynced before this returns, the destination first,
    /// then the source (so no stale copy survives in the source directory). The move is a
    /// rename, not a move by link: admin commands, recoverers and claimers may race for the same
    /// file, and the rename (with the exchange before it) is what lets exactly one win.
    /// Each move appends one line to the event log (`reason` in it).
    /// - Returns: the destination path.
    /// - Throws: ENOENT when `from` vanished (someone else moved it), EEXIST when the destination name is taken.
    @discardableResult
    public func move(_ from: String, to state: JobState, as job: Job, durable: Bool, worker: ProcessTag? = nil,
                     reason: String? = nil) throws(SystemError) -> String {
        precondition(job.state == state, "move: content state must equal the destination")
        let dest = path(state.directory, JobFileName.name(for: job, in: state, worker: worker))
        let fenced = !hasAtomicRenameFlags
        if fenced {
            try fencedMove(from, to: dest, as: job, durable: durable)  // fsyncs included
        } else {
            try rewrite(from, with: job, sync: durable)
            CrashPoint.hit("move:rewritten", state.rawValue)
        }
        if !fenced, dest != from {
            do {
                try FileSystem.renameNoReplace(from, dest)
            } catch where error.isExists {
                try settleDuplicate(moving: from, onto: dest, state: state)
            }
        }
        if durable && !fenced {
            try FileSystem.syncDirectory(directory(state))
            let fromDir = FileSystem.parentDirectory(from)
            if fromDir != directory(state) { try FileSystem.syncDirectory(fromDir) }
        }
        logEvent(job, from: FileSystem.parentDirectory(from).split(separator: "/").last.map(String.init), to: state.rawValue, reason: reason)
        CrashPoint.hit("move:renamed", state.rawValue)
        return dest
    }

    /// Both names of one job exist (a power cut kept the old name and the new one, or a copy was
    /// made by hand). Identical content: the source is removed. Otherwise the copy with the newer
    /// `updated_at` ends up at `dest` and the other is quarantined — never deleted.
    func settleDuplicate(moving from: String, onto dest: String, state: JobState) throws(SystemError) {
        let source = try? FileSystem.readFile(from, limit: Spool.maxJobFileSize)
        let existing = try? FileSystem.readFile(dest, limit: Spool.maxJobFileSize)
        if let source, let existing, source == existing {
            try FileSystem.unlink(from)
            return
        }
        var sourceJob: Job?
        if let source { sourceJob = try? Job.decode(source) }
        var existingJob: Job?
        if let existing { existingJob = try? Job.decode(existing) }
        var sourceWins = existingJob == nil
        if let s = sourceJob, let e = existingJob { sourceWins = s.updatedAt > e.updatedAt }
        let loser = sourceWins ? dest : from
        let loserDir = String(loser[..<loser.lastIndex(of: "/")!])
        let loserName = String(loser[loser.index(after: loser.lastIndex(of: "/")!)...])
        let loserState = loserDir.split(separator: "/").last.map(String.init) ?? state.directory
        _ = try quarantine(loserName, in: loserState, reason: "duplicate of the newer copy at \(sourceWins ? from : dest)")
        if sourceWins { try FileSystem.renameNoReplace(from, dest) }
    }

    /// Finds the job with `id` in any state.
    /// pending/, failed/ and processing/ are listed (their names carry more than the id).
    /// completed/, dead/, held/ and waiting/ are looked up by name.
    public func locate(_ id: JobID) throws(QueueError) -> JobLocation? {
        for state in [JobState.completed, .dead, .held, .waiting] {
            let name = JobFileName.plain(id)
            let p = path(state.directory, name)
            if (try? FileStatus.of(p)) != nil { return JobLocation(state: state, name: name, path: p) }
        }
        let suffix = "." + id.rawValue + ".json", movingSuffix = "." + id.rawValue + ".moving"
        var moving: JobLocation?
        for state in [JobState.processing, .pending, .failed] {
            var found: JobLocation?
            do {
                try DirectoryStream.forEach(directory(state)) { entry in
                    if entry.name.hasSuffix(suffix), JobFileName.id(of: entry.name, in: state) == id {
                        found = JobLocation(state: state, name: entry.name, path: path(state.directory, entry.name))
                        return false
                    }
                    if state == .processing, entry.name.hasSuffix(movingSuffix), Spool.parseMoving(entry.name)?.id == id {
                        moving = JobLocation(state: state, name: entry.name, path: path(state.directory, entry.name))
                    }
                    return true
                }
            } catch {
                throw .failure("cannot list \(directory(state))", error)
            }
            if let found { return found }
        }
        // In the middle of a fenced move (its old content), or left so by a mover that is gone.
        return moving
    }

    /// Like `locate` but throws `notFound`; also reads the job.
    public func load(_ id: JobID) throws(QueueError) -> JobFile {
        guard let loc = try locate(id) else { throw .notFound(id.rawValue) }
        do {
            return JobFile(path: loc.path, state: loc.state, job: try readJob(at: loc.path))
        } catch let e as QueueError {
            throw .conflict("job \(id) at \(loc.path) is unreadable: \(e)")
        } catch let e as SystemError where e.isNotFound {
            // It moved while we looked: try once more.
            guard let again = try locate(id), let job = try? readJob(at: again.path) else { throw .notFound(id.rawValue) }
            return JobFile(path: again.path, state: again.state, job: job)
        } catch {
            throw .conflict("job \(id) at \(loc.path) is unreadable: \(error)")
        }
    }
}
