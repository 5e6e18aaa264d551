#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Claiming a job and recording its outcome. Claiming is one `rename(2)` out of pending/ (or a
/// due entry of failed/) into processing/: of several racing workers exactly one wins.
public struct JobClaim: Sendable {
    public var path: String
    public var job: Job
}

/// A job file this worker won by the claim's rename (step 1) whose content is not rewritten
/// yet: its JSON still says the state it came from. `Spool.completeClaim` does step 2.
public struct ReservedClaim: Sendable {
    /// `processing/<worker>.<id>.json`.
    public var path: String
    public var id: JobID
    /// The directory and name it came from.
    public var originState: JobState
    public var originName: String
    /// Where it came from, for messages.
    public var origin: String { "\(originState.directory)/\(originName)" }
}

/// How step 2 of a claim ended.
public enum ClaimCompletion: Sendable {
    /// Ours: run it.
    case claimed(JobClaim)
    /// The file does not parse yet and was modified less than `drop_grace` ago (a writer may
    /// still be writing it under its final name): it was renamed back; retry after `until`.
    case putBack(until: Timestamp)
    /// Quarantined (unreadable, not a job, or its JSON names another id), or taken by recovery.
    case notClaimed
}

extension Spool {
    /// Claims the ordered file `name` in `state`'s directory for `worker`: both steps at once.
    /// - Returns: the claim, or nil when another worker won, the file was put back (a partial
    ///   write within `dropGrace`) or quarantined.
    public func claim(_ name: String, from state: JobState, worker: ProcessTag, dropGrace: Double = 0,
                      now: Timestamp = .now()) throws(SystemError) -> JobClaim? {
        guard let reserved = try reserve(name, from: state, worker: worker) else { return nil }
        if case .claimed(let claim) = try completeClaim(reserved, worker: worker, dropGrace: dropGrace, now: now) { return claim }
        return nil
    }

    /// Step 1 of a claim: renames `state`'s `name` into `processing/<worker>.<id>.json`.
    /// - Returns: nil when another worker won (ENOENT), the claim name is still taken by this
    ///   worker's unfinished finish of the same id (EEXIST), or `name` is not an ordered job name.
    public func reserve(_ name: String, from state: JobState, worker: ProcessTag) throws(SystemError) -> ReservedClaim? {
        guard let id = JobFileName.id(of: name, in: state) else { return nil }
        let dest = path("processing", JobFileName.processing(worker: worker, id: id))
        do {
            // No-replace: while this worker's own finish of the same id still has its claim name
            // (a finish links the outcome first and unlinks the claim after an fsync), a retry
            // due at once must wait for the next scan, not rename onto it (a no-op on one inode).
            // On filesystems without RENAME_NOREPLACE: a check of this worker's own name, then
            // a plain rename (never link + unlink: the rename of the source decides the race).
            try FileSystem.renameClaiming(path(state.directory, name), dest)
        } catch where error.isNotFound || error.isExists {
            return nil
        }
        CrashPoint.hit("claim:renamed")
        return ReservedClaim(path: dest, id: id, originState: state, originName: name)
    }

    /// Step 2 of a claim: reads the reserved file, checks its id, and rewrites it (exchange,
    /// fenced) with state processing, attempts + 1, started_at and worker. The rewritten claim
    /// is fsynced (data, then processing/, then the directory it was renamed out of), so a power
    /// cut can never leave an empty claim file where an acknowledged job was, nor a stale copy
    /// in pending/ or failed/ once the command starts. Safe to run on any thread. A worker
    /// commits its claims in batches instead (`Spool.commit`, same steps, shared fsyncs).
    ///
    /// A file that does not parse and was modified less than `dropGrace` seconds ago is put
    /// back under its old name (a cron job may write straight to a queue name); older, or
    /// unreadable for another reason, it is quarantined with the reason.
    public func completeClaim(_ reserved: ReservedClaim, worker: ProcessTag, dropGrace: Double = 0,
                              now: Timestamp = .now()) throws(SystemError) -> ClaimCompletion {
        let job: Job
        switch try prepareClaim(reserved, worker: worker, dropGrace: dropGrace, now: now) {
        case .settled(let completion): return completion
        case .ready(let j): job = j
        }
        do {
            try rewrite(reserved.path, with: job, sync: true)
            try FileSystem.syncDirectory(directory(.processing))
            try FileSystem.syncDirectory(directory(reserved.originState))
        } catch where error.isNotFound {
            return .notClaimed  // recovery took it back in between: it is not ours any more
        }
        logEvent(job, from: reserved.originState.rawValue, to: JobState.processing.rawValue, reason: "claimed")
        CrashPoint.hit("claim:rewritten")
        return .claimed(JobClaim(path: reserved.path, job: job))
    }

    /// What reading a reserved claim found: the claim's new content (to be written), or an end
    /// already reached (put back, quarantined, taken).
    public enum ClaimPreparation: Sendable {
        case ready(Job)
        case settled(ClaimCompletion)
    }

    /// Step 2's checks, without the write: reads the reserved file, puts back or quarantines
    /// what is not a job (see `completeClaim`), checks its id and the id's reservation, and
    /// returns the content the claim is to be rewritten with (state processing, attempts + 1,
    /// started_at = `now`, worker). Nothing is written for a ready claim.
    /// - Throws: `SystemError` for the storage (ENOSPC, EIO...), never for the file's content.
    public func prepareClaim(_ reserved: ReservedClaim, worker: ProcessTag, dropGrace: Double = 0,
                             now: Timestamp = .now()) throws(SystemError) -> ClaimPreparation {
        let dest = reserved.path
        let fileName = String(dest.split(separator: "/").last!)
        var job: Job
        do {
            job = try readReservedClaim(dest)
        } catch {
            // The storage, not the file (ENOTCONN, EIO, ESTALE...): never quarantined for it.
            if let e = error as? SystemError, e.errno.isStorageUnreachable { throw e }
            if error is QueueError, let st = try? FileStatus.of(dest),
               case let until = Timestamp(micros: st.modifiedNanos / 1000).adding(seconds: dropGrace), until > now {
                do {
                    try FileSystem.renameNoReplace(dest, path(reserved.originState.directory, reserved.originName))
                    return .settled(.putBack(until: until))
                } catch where error.isNotFound {
                    return .settled(.notClaimed)
                } catch {
                    // The old name was taken meanwhile: fall through to quarantine.
                }
            }
            _ = try quarantine(fileName, in: "processing", reason: "claimed from \(reserved.origin) but unreadable: \(error)")
            return .settled(.notClaimed)
        }
        if job.id != reserved.id {
            _ = try quarantine(fileName, in: "processing",
                               reason: "claimed from \(reserved.origin): the name says id '\(reserved.id)' but the JSON says '\(job.id)'")
            return .settled(.notClaimed)
        }
        // A file dropped straight under a queue name goes through the id reservation too.
        if case .taken(let other) = try claimID(of: job, at: dest) {
            _ = try quarantine(fileName, in: "processing",
                               reason: "claimed from \(reserved.origin): duplicate id '\(job.id)': a job with that id is in \(other.state.directory)/")
            return .settled(.notClaimed)
        }
        job.state = .processing
        job.attempts += 1
        job.startedAt = now
        job.updatedAt = now
        job.finishedAt = nil
        job.exitCode = nil
        job.worker = worker.rawValue
        return .ready(job)
    }

    /// Reads a freshly reserved claim; while the storage is unreachable (ENOTCONN, EIO,
    /// ESTALE...) tries again with backoff (0.05 s doubling, about 10 s in all) before giving up.
    func readReservedClaim(_ path: String) throws -> Job {
        var wait = 0.05
        while true {
            do {
                return try readJob(at: path)
            } catch let e as SystemError where e.errno.isStorageUnreachable && wait < 5 {
                usleep(useconds_t(wait * 1_000_000))
                wait *= 2
            }
        }
    }

    /// Undoes step 1 after step 2 failed for a reason of the system (ENOSPC, EIO...): when the
    /// reserved file still holds its old content, it is renamed back to its old name, and both
    /// directories are fsynced (its old directory first, then processing/). A rename, not a
    /// move by link: once back under its old name the file may be claimed at once, and a
    /// second name left in processing/ by a crash would be recovered as a second copy.
    /// - Returns: true when it was put back; false when it was rewritten already, vanished,
    ///   or cannot be moved (it then stays in processing/ for recovery).
    public func abandon(_ reserved: ReservedClaim) -> Bool {
        guard let job = try? readJob(at: reserved.path), job.state == reserved.originState, job.id == reserved.id else { return false }
        do {
            try FileSystem.renameNoReplace(reserved.path, path(reserved.originState.directory, reserved.originName))
            try? FileSystem.syncDirectory(directory(reserved.originState))
            try? FileSystem.syncDirectory(directory(.processing))
            return true
        } catch {
            return false
        }
    }
}
