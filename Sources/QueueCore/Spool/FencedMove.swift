#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import QueueSystem

/// The fence on filesystems without `RENAME_EXCHANGE` / `RENAME_NOREPLACE` (FUSE mounts such as
/// GlusterFS, NFS): a job file that others may race for (a claim that recovery may take, a
/// pending file a worker may claim) gets new content only through plain renames, where the
/// rename of the contested name itself decides the race.
///
/// Steps of `fencedMove(from, to: dest, as: job)` by mover M for job id I:
/// 1. the new content is written to `tmp/<M>.<I>.result` (fsynced when durable);
/// 2. **the fence**: `rename(from, processing/<M>.<I>.moving)`. ENOENT: someone else moved
///    `from` first; the result is removed and ENOENT thrown: nothing changed. After this step no
///    one else can take the job: it is under a name that only M (or, once M is gone, recovery
///    on M's behalf) moves on;
/// 3. for a move between directories, `processing/` and `from`'s directory are fsynced; then
///    the result is renamed to `dest` (no-replace: a name already there is settled as a
///    duplicate) and `dest`'s directory fsynced;
/// 4. the `.moving` name is unlinked (not fsynced: one a power cut brings back is found
///    published and removed by recovery).
///
/// A crash or a lost host between the steps leaves names that `resolveMoving` completes: a
/// `.moving` with its result is published (the mover had won the fence; the result is what it
/// decided), a `.moving` without a result was already published and is removed (or, found
/// nowhere else, put back where its JSON says). The same mover resumes at step 3 when it finds
/// its own `.moving` name (an earlier try failed after the fence, e.g. storage unreachable).
extension Spool {
    /// `tmp/<mover>.<id>.result`: the content a fenced move publishes.
    public func movingResultPath(mover: ProcessTag, id: JobID) -> String { path("tmp", "\(mover.rawValue).\(id.rawValue).result") }
    /// `processing/<mover>.<id>.moving`: the job's old content while its fenced move runs.
    public func movingPath(mover: ProcessTag, id: JobID) -> String { path("processing", "\(mover.rawValue).\(id.rawValue).moving") }

    /// The mover and id of a `<mover>.<id>.moving` name; nil for other names.
    public static func parseMoving(_ name: String) -> (mover: ProcessTag, id: JobID)? {
        JobFileName.parseTagged(name, suffix: ".moving").map { ($0.tag, $0.id) }
    }

    /// Whether this spool's filesystem supports `RENAME_EXCHANGE` and `RENAME_NOREPLACE`.
    /// Probed once per process and spool (two files in tmp/); `QUEUECTL_NO_RENAME_FLAGS=1`
    /// forces false (a documented test hook: it runs the plain-rename protocol on a local disk).
    public var hasAtomicRenameFlags: Bool {
        // Inconclusive (tmp/ missing, disk full...): the fenced move, which is safe anywhere; ask again next time.
        knownAtomicRenameFlags ?? false
    }

    /// `hasAtomicRenameFlags` when it can be told; nil when the probe itself failed (no write
    /// permission in tmp/, disk full...).
    public var knownAtomicRenameFlags: Bool? {
        if let known = RenameFlagsCache.value.withLock({ $0[root] }) { return known }
        if RenameFlagsCache.forcedOff { return false }
        guard let supported = probeRenameFlags() else { return nil }
        RenameFlagsCache.value.withLock { $0[root] = supported }
        return supported
    }

    /// True when both flags work in tmp/, false when the filesystem refuses one (EINVAL or
    /// ENOSYS), nil when the probe itself failed.
    private func probeRenameFlags() -> Bool? {
        let a = tmpName("probe-a"), b = tmpName("probe-b"), c = tmpName("probe-c")
        defer { for p in [a, b, c] { _ = try? FileSystem.unlinkIfExists(p) } }
        do {
            _ = try FileSystem.createExclusive(a)
            _ = try FileSystem.createExclusive(b)
            try FileSystem.exchange(a, b)
            try FileSystem.renameNoReplaceStrict(a, c)
            return true
        } catch {
            return FileSystem.isRenameFlagUnsupported(error) ? false : nil
        }
    }

    /// Replaces the contested file `from` by `job`'s content at `dest` (`dest` may be `from`
    /// itself: a rewrite in place), with the steps above.
    /// - Throws: ENOENT when `from` was taken by someone else (nothing changed); other
    ///   `SystemError`s for I/O: when thrown after the fence, the `.moving` name stays and a
    ///   later call by the same mover (or recovery once the mover is gone) completes the move.
    public func fencedMove(_ from: String, to dest: String, as job: Job, durable: Bool,
                           mover: ProcessTag = .current) throws(SystemError) {
        let result = movingResultPath(mover: mover, id: job.id)
        let moving = movingPath(mover: mover, id: job.id)
        do {
            try FileSystem.writeNewFile(result, job.encoded(), sync: durable)
        } catch where error.isNotFound || error.isExists {
            // tmp/ was removed (recreate it), or an earlier try left its result: once more.
            if error.isNotFound { _ = try? repairLayout() } else { _ = try FileSystem.unlinkIfExists(result) }
            try FileSystem.writeNewFile(result, job.encoded(), sync: durable)
        }
        do {
            try FileSystem.rename(from, moving)
            CrashPoint.hit("fence:moved")
        } catch where error.isNotFound && from != moving && (try? FileStatus.ifExists(moving)) != nil {
            // Our own `.moving` from an earlier try that failed after the fence: resume.
        } catch {
            _ = try? FileSystem.unlinkIfExists(result)
            throw error
        }
        try publishMoving(result, moving: moving, from: from, to: dest, state: job.state, durable: durable)
    }

    /// Steps 3 and 4: the result (a job in `state`) to `dest`, then the `.moving` name removed.
    func publishMoving(_ result: String, moving: String, from: String, to dest: String, state: JobState,
                       durable: Bool) throws(SystemError) {
        let fromDir = FileSystem.parentDirectory(from), destDir = FileSystem.parentDirectory(dest)
        let processing = directory(.processing)
        // Between directories, the fence (the source's removal) is made durable before the
        // result appears at its destination, so a power cut cannot keep both. Within processing/
        // (a claim rewritten in place) the one fsync after the publish covers both.
        if durable && !(fromDir == processing && destDir == processing) {
            try FileSystem.syncDirectory(processing)
            if fromDir != processing { try FileSystem.syncDirectory(fromDir) }
        }
        do {
            try FileSystem.renameNoReplace(result, dest)  // the result is private: link + unlink is fine
        } catch where error.isExists {
            try settleDuplicate(moving: result, onto: dest, state: state)
        }
        CrashPoint.hit("fence:published")
        if durable { try FileSystem.syncDirectory(destDir) }
        // Not fsynced: a `.moving` that a power cut brings back is found published and removed by recovery.
        _ = try FileSystem.unlinkIfExists(moving)
    }
}

extension Spool {
    /// Completes the fenced move left as `processing/<name>` (a `<mover>.<id>.moving` name) by a
    /// mover that is gone (callers check `orphanReason`): with its result in tmp/, the result is
    /// published where its JSON says and the `.moving` name removed; without one, the move was
    /// published already when the job is found in another directory (the `.moving` name is
    /// removed), else the old content is put back where its JSON says (a claim of its worker,
    /// which recovery then treats as any orphaned claim).
    /// - Returns: what was done; nil when someone else resolved it first.
    public func resolveMoving(_ name: String, reason: String) throws -> RecoveryAction? {
        guard let (mover, id) = Spool.parseMoving(name) else { return nil }
        let moving = path("processing", name)
        let result = movingResultPath(mover: mover, id: id)
        if let bytes = try? FileSystem.readFile(result, limit: Spool.maxJobFileSize), let job = try? Job.decode(bytes), job.id == id {
            let dest = path(job.state.directory, JobFileName.name(for: job, in: job.state, worker: job.worker.flatMap { ProcessTag($0) } ?? mover))
            if let error = attempt({ () throws(SystemError) in try publishMoving(result, moving: moving, from: moving, to: dest, state: job.state, durable: true) }) {
                if error.isNotFound { return nil }  // another recoverer published it first
                throw error
            }
            logEvent(job, from: "processing", to: job.state.rawValue, reason: "recovered: published the move of \(mover) (\(reason))")
            return RecoveryAction(id: id, from: "processing/\(name)", to: job.state,
                                  reason: "\(reason); published the result its mover had decided")
        }
        _ = try? FileSystem.unlinkIfExists(result)  // unreadable: never the only copy (the .moving is)
        if let found = try locate(id), found.path != moving {  // (locate returns a `.moving` only when nothing else has the id)
            _ = try FileSystem.unlinkIfExists(moving)
            try FileSystem.syncDirectory(directory(.processing))
            return RecoveryAction(id: id, from: "processing/\(name)", to: .processing, reason: "\(reason); its move was already published: removed the old copy")
        }
        let job = try readJob(at: moving)
        let back = path(job.state.directory, JobFileName.name(for: job, in: job.state, worker: job.worker.flatMap { ProcessTag($0) } ?? mover))
        if let error = attempt({ () throws(SystemError) in try FileSystem.renameClaiming(moving, back) }) {
            if error.isNotFound { return nil }
            throw error
        }
        try FileSystem.syncDirectory(FileSystem.parentDirectory(back))
        try FileSystem.syncDirectory(directory(.processing))
        return RecoveryAction(id: id, from: "processing/\(name)", to: job.state, reason: "\(reason); its move had not been published: put back")
    }
}

/// The error `body` threw, or nil.
func attempt(_ body: () throws(SystemError) -> Void) -> SystemError? {
    do { try body(); return nil } catch { return error }
}

/// Per-process cache of `hasAtomicRenameFlags`, by spool root.
enum RenameFlagsCache {
    static let value = Mutex<[String: Bool]>([:])
    static var forcedOff: Bool { UnsafeTestHooks.noRenameFlags }
}
