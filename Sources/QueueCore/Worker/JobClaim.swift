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
    /// Where it came from, for messages.
    public var origin: String
}

extension Spool {
    /// Claims the ordered file `name` in `state`'s directory for `worker`: both steps at once.
    /// - Returns: the claim, or nil when another worker won or the file was quarantined.
    public func claim(_ name: String, from state: JobState, worker: ProcessTag, now: Timestamp = .now()) throws(SystemError) -> JobClaim? {
        guard let reserved = try reserve(name, from: state, worker: worker) else { return nil }
        return try completeClaim(reserved, worker: worker, now: now)
    }

    /// Step 1 of a claim: renames `state`'s `name` into `processing/<worker>.<id>.json`.
    /// - Returns: nil when another worker won (ENOENT) or `name` is not an ordered job name.
    public func reserve(_ name: String, from state: JobState, worker: ProcessTag) throws(SystemError) -> ReservedClaim? {
        guard let id = JobFileName.id(of: name, in: state) else { return nil }
        let dest = path("processing", JobFileName.processing(worker: worker, id: id))
        do {
            try FileSystem.rename(path(state.directory, name), dest)
        } catch where error.isNotFound {
            return nil
        }
        CrashPoint.hit("claim:renamed")
        return ReservedClaim(path: dest, id: id, origin: "\(state.directory)/\(name)")
    }

    /// Step 2 of a claim: reads the reserved file, checks its id, and rewrites it (exchange,
    /// fenced) with state processing, attempts + 1, started_at and worker. The rewritten claim
    /// is fsynced (data, then processing/), so a power cut can never leave an empty claim file
    /// where an acknowledged job was. Safe to run on any thread.
    /// - Returns: the claim, or nil when the file was quarantined or recovery took it meanwhile.
    public func completeClaim(_ reserved: ReservedClaim, worker: ProcessTag, now: Timestamp = .now()) throws(SystemError) -> JobClaim? {
        let dest = reserved.path
        let fileName = String(dest.split(separator: "/").last!)
        var job: Job
        do {
            job = try readJob(at: dest)
        } catch {
            _ = try quarantine(fileName, in: "processing", reason: "claimed from \(reserved.origin) but unreadable: \(error)")
            return nil
        }
        if job.id != reserved.id {
            _ = try quarantine(fileName, in: "processing",
                               reason: "claimed from \(reserved.origin): the name says id '\(reserved.id)' but the JSON says '\(job.id)'")
            return nil
        }
        job.state = .processing
        job.attempts += 1
        job.startedAt = now
        job.updatedAt = now
        job.finishedAt = nil
        job.exitCode = nil
        job.worker = worker.rawValue
        do {
            try rewrite(dest, with: job, sync: true)
            try FileSystem.syncDirectory(directory(.processing))
        } catch where error.isNotFound {
            return nil  // recovery took it back in between: it is not ours any more
        }
        CrashPoint.hit("claim:rewritten")
        return JobClaim(path: dest, job: job)
    }
}
