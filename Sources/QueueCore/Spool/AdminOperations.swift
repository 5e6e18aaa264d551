import QueueSystem

/// The admin's levers on single jobs. Each is a rename (with the content rewritten first,
/// see `Spool.move`), durable on return.
extension Spool {
    /// Deletes a job, its log and its id marker. A processing job is refused.
    /// - Throws: `.notFound`, `.conflict` for a processing job.
    public func delete(_ id: JobID) throws(QueueError) -> JobState {
        guard let loc = try locate(id) else { throw .notFound(id.rawValue) }
        if !Transition.deletable.contains(loc.state) {
            throw .conflict("job \(id) is processing; it can be deleted once it has finished (or after `queuectl worker stop`)")
        }
        let deleted = try? readJob(at: loc.path)  // for its unique key, released below
        do {
            try FileSystem.unlink(loc.path)
            logRemoval(deleted, id: id, from: loc.state, to: "deleted")
            try FileSystem.syncDirectory(directory(loc.state))
        } catch where error.isNotFound {
            throw .conflict("job \(id) moved while being deleted; try again")
        } catch {
            throw .system(error)
        }
        _ = try? FileSystem.unlinkIfExists(logPath(id))
        _ = try? FileSystem.unlinkIfExists(markerPath(id))
        if let deleted { releaseKey(of: deleted) }
        return loc.state
    }

    /// Makes the move `t` (see `Transition`) with `update` applied to the job's content.
    /// - Throws: `.notFound` if it is not there, `.conflict` if it is in a state `t` does not start from.
    func transition(_ id: JobID, _ t: Transition, what: String, update: (inout Job) -> Void) throws(QueueError) -> Job {
        let from = t.from, to = t.to
        let file = try load(id)
        guard from.contains(file.state) else {
            let allowed = from.map(\.rawValue).sorted().joined(separator: " or ")
            throw .conflict("cannot \(what) job \(id): it is \(file.state.rawValue), not \(allowed)")
        }
        var job = file.job
        update(&job)
        job.state = to
        job.updatedAt = .now()
        do {
            try move(file.path, to: to, as: job, durable: true, reason: t.rawValue)
        } catch where error.isNotFound {
            throw .conflict("job \(id) moved while being changed; try again")
        } catch {
            throw .system(error)
        }
        return job
    }

    /// Sends a dead job back to pending with attempts reset to 0, due now.
    public func retryDead(_ id: JobID) throws(QueueError) -> Job {
        try transition(id, .dlqRetry, what: "retry") { job in
            job.attempts = 0
            job.runAt = .now()
            job.exitCode = nil
            job.finishedAt = nil
        }
    }

    /// Makes a job waiting in failed/ due now (attempts kept).
    public func retryNow(_ id: JobID) throws(QueueError) -> Job {
        try transition(id, .retry, what: "retry") { job in job.runAt = .now() }
    }

    /// Retries a job as a client's one "retry" button means it: a dead job by `retryDead`,
    /// any other by `retryNow`.
    public func retry(_ id: JobID) throws(QueueError) -> Job {
        if let loc = try locate(id), loc.state == .dead { return try retryDead(id) }
        return try retryNow(id)
    }

    /// Deletes a job only if it is dead (the DLQ's delete).
    /// - Throws: `.notFound`, `.conflict` when the job is not dead.
    public func deleteDead(_ id: JobID) throws(QueueError) {
        guard let loc = try locate(id) else { throw .notFound(id.rawValue) }
        guard loc.state == .dead else { throw .conflict("job \(id) is \(loc.state.rawValue), not dead") }
        _ = try delete(id)
    }

    /// Holds a pending or failed job: it is never claimed until released.
    public func hold(_ id: JobID) throws(QueueError) -> Job {
        try transition(id, .hold, what: "hold") { _ in }
    }

    /// Releases a held job back to pending (its due time is kept).
    public func release(_ id: JobID) throws(QueueError) -> Job {
        try transition(id, .release, what: "release") { _ in }
    }

    /// Counts the job files in each of `states` (names only; no file is opened). Dotfiles and
    /// `*.tmp` are not counted.
    public func counts(_ states: [JobState] = JobState.allCases) throws(QueueError) -> [JobState: Int] {
        var result: [JobState: Int] = [:]
        for state in states {
            do {
                var n = 0
                try DirectoryStream.forEachRawName(directory(state)) { name in
                    if name.first == 46 { return }
                    if name.count >= 4 && name[name.count - 4] == 46 && name[name.count - 3] == 116
                        && name[name.count - 2] == 109 && name[name.count - 1] == 112 { return }  // ".tmp"
                    n += 1
                }
                result[state] = n
            } catch {
                throw .failure("cannot list \(directory(state))", error)
            }
        }
        return result
    }

    /// The first `limit` names of a state in claim order (ordered states) or name order,
    /// without sorting the whole directory: a bounded buffer keeps only the best `limit`.
    public func firstNames(in state: JobState, limit: Int) throws(QueueError) -> [String] {
        try names(in: state, after: nil, limit: limit)
    }
}
