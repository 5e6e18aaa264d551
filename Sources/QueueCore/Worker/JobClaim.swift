/// Claiming a job and recording its outcome. Claiming is one `rename(2)` out of pending/ (or a
/// due entry of failed/) into processing/: of several racing workers exactly one wins.
public struct JobClaim: Sendable {
    public var path: String
    public var job: Job
}

extension Spool {
    /// Claims the ordered file `name` in `state`'s directory for `worker`.
    ///
    /// Steps: (1) rename into `processing/<worker>.<id>.json` — ENOENT means another worker won;
    /// (2) read it; (3) rewrite it (exchange, fenced) with state processing, attempts + 1,
    /// started_at and worker. The rewritten claim is fsynced (data, then processing/), so a power
    /// cut can never leave an empty claim file where an acknowledged job was.
    /// - Returns: the claim, or nil when another worker won or the file was quarantined.
    public func claim(_ name: String, from state: JobState, worker: ProcessTag, now: Timestamp = .now()) throws(SystemError) -> JobClaim? {
        guard let id = JobFileName.id(of: name, in: state) else { return nil }
        let dest = path("processing", JobFileName.processing(worker: worker, id: id))
        do {
            try FileSystem.rename(path(state.directory, name), dest)
        } catch where error.isNotFound {
            return nil
        }
        CrashPoint.hit("claim:renamed")
        var job: Job
        do {
            job = try readJob(at: dest)
        } catch {
            _ = try quarantine(String(dest.split(separator: "/").last!), in: "processing",
                               reason: "claimed from \(state.directory)/\(name) but unreadable: \(error)")
            return nil
        }
        if job.id != id {
            _ = try quarantine(String(dest.split(separator: "/").last!), in: "processing",
                               reason: "claimed from \(state.directory)/\(name): the name says id '\(id)' but the JSON says '\(job.id)'")
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

    /// Records the outcome of a claim: `job` (state completed, failed or dead) is exchanged into
    /// the claim file, then renamed into its directory. Durable on return when `durable`.
    /// - Throws: ENOENT when the claim was taken away (recovered) meanwhile — the result is then dropped.
    @discardableResult
    public func finish(_ claim: JobClaim, as job: Job, durable: Bool) throws(SystemError) -> String {
        try move(claim.path, to: job.state, as: job, durable: durable)
    }
}
