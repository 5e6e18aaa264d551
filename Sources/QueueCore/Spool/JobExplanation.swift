import QueueSystem

/// Why a job is where it is (`queuectl why ID`): one reason, its one-line message, and the
/// facts behind it. Computed from the spool alone, cheaply: the job's file, the paused flag,
/// the group's slot directory, the owner's registration, the dependencies' files. It never
/// counts the jobs ahead of it.
public struct JobExplanation: Sendable {
    public enum Reason: String, Sendable {
        /// pending (or failed) and not due yet.
        case dueLater = "due_later"
        /// failed, waiting for its retry time.
        case retryWait = "retry_wait"
        /// in waiting/: a dependency has not completed.
        case waitingForDependency = "waiting_for_dependency"
        /// due, but the queue is paused.
        case paused
        /// due, but its group has as many jobs running as its limit.
        case groupFull = "group_full"
        /// due and free to run: the next free worker slot takes it.
        case ready
        /// in held/.
        case held
        /// claimed by a live worker.
        case running
        /// claimed by a worker that is gone: recovery takes it back.
        case orphaned
        case completed
        case dead
        /// in no state directory: its line is in archive/ (`queuectl archive`, `archive_after`).
        case archived
    }

    public var id: JobID
    public var state: JobState
    public var reason: Reason
    /// One line, e.g. `group full (2 of 2 running)`.
    public var message: String
    /// The facts behind the message (times as ISO-8601 strings), for `--json`.
    public var details: [String: JSONValue]

    /// `{"id", "state", "reason", "message", ...details}`.
    public var jsonValue: JSONValue {
        var o = details
        o["id"] = .string(id.rawValue)
        o["state"] = .string(state.rawValue)
        o["reason"] = .string(reason.rawValue)
        o["message"] = .string(message)
        return .object(o)
    }
}

extension Spool {
    /// Explains where job `id` is and why.
    /// A job in no state directory is looked up in archive/ (a scan of the day files).
    /// - Throws: `QueueError.notFound` when no job has that id (nor an archived one); `QueueError.conflict` when its
    ///   file cannot be read; `QueueError.systemFailure` when a directory cannot be listed.
    public func explain(_ id: JobID, config: Config, now: Timestamp = .now()) throws(QueueError) -> JobExplanation {
        let file: JobFile
        do {
            file = try load(id)
        } catch {
            guard case .notFound = error, let archived = findArchived(id) else { throw error }
            return explainArchived(archived)
        }
        let job = file.job
        var e = JobExplanation(id: id, state: file.state, reason: .ready, message: "", details: [:])
        e.details["attempts"] = .int(Int64(job.attempts))
        if let g = job.group { e.details["group"] = .string(g.rawValue) }
        let allowed = (job.maxRetries ?? config.maxRetries) + 1
        switch file.state {
        case .completed:
            e.reason = .completed
            let at = job.finishedAt ?? job.updatedAt
            e.details["finished_at"] = .string(at.iso8601)
            e.message = "completed at \(at.iso8601) after \(plural(job.attempts, "attempt"))"
        case .dead:
            e.reason = .dead
            e.details["last_error"] = job.lastError.map { .string($0) } ?? .null
            e.message = "dead after \(plural(job.attempts, "attempt"))" + (job.lastError.map { "; last error: \($0)" } ?? "")
        case .held:
            e.reason = .held
            e.message = "held: never claimed until released (queuectl release \(id))"
        case .waiting:
            explainDependencies(job, into: &e)
        case .processing:
            explainOwner(file, config: config, now: now, into: &e)
        case .pending, .failed:
            if file.state == .failed {
                e.details["last_error"] = job.lastError.map { .string($0) } ?? .null
                e.details["retry_at"] = .string(job.runAt.iso8601)
            }
            let failedPrefix = file.state == .failed
                ? "failed (attempt \(job.attempts) of \(allowed)" + (job.lastError.map { ": \($0)" } ?? "") + "); " : ""
            if job.runAt > now {
                e.reason = file.state == .failed ? .retryWait : .dueLater
                e.details["due_at"] = .string(job.runAt.iso8601)
                e.message = failedPrefix + (file.state == .failed ? "retry at " : "due at ") + job.runAt.iso8601
                if isPaused { e.message += " (and the queue is paused)" }
            } else if isPaused {
                e.reason = .paused
                e.message = failedPrefix + "queue paused: due since \(job.runAt.iso8601), but nothing is claimed until queuectl resume"
            } else if let g = job.group, let limit = config.limit(of: g), case let running = groupRunningCount(g), running >= limit {
                e.reason = .groupFull
                e.details["running"] = .int(Int64(running))
                e.details["limit"] = .int(Int64(limit))
                e.message = failedPrefix + "group \(g) full (\(running) of \(limit) running)"
            } else {
                e.reason = .ready
                let live = workerStatuses(config: config, now: now).filter { $0.state == .alive }.count
                e.details["live_workers"] = .int(Int64(live))
                e.message = failedPrefix + "ready since \(job.runAt.iso8601): the next free worker slot takes it"
                    + (live == 0 ? " (no worker is running)" : "")
            }
        }
        return e
    }

    /// waiting/: which dependencies have not completed, and where they are.
    private func explainDependencies(_ job: Job, into e: inout JobExplanation) {
        var open: [(JobID, String)] = []
        for dep in job.after where (try? FileStatus.of(path("completed", JobFileName.plain(dep)))) == nil {
            let where_ = (try? locate(dep)).flatMap { $0 }.map { $0.state.rawValue } ?? "no such job"
            open.append((dep, where_))
        }
        e.details["waiting_for"] = .array(open.map { .object(["id": .string($0.0.rawValue), "state": .string($0.1)]) })
        if open.isEmpty {
            e.reason = .ready
            e.message = "its dependencies completed: the next worker pass moves it to pending/"
            return
        }
        e.reason = .waitingForDependency
        let listed = open.prefix(3).map { "\($0.0) (\($0.1))" }.joined(separator: ", ")
        e.message = "waiting for job\(open.count == 1 ? "" : "s") \(listed)" + (open.count > 3 ? " and \(open.count - 3) more" : "")
        if open.contains(where: { $0.1 == "dead" || $0.1 == "no such job" }) {
            e.message += "; a dependency ended dead or is gone, so the next worker pass moves it to dead/"
        }
    }

    /// An archived job: when it was archived, and how it had ended.
    private func explainArchived(_ job: Job) -> JobExplanation {
        var e = JobExplanation(id: job.id, state: job.state, reason: .archived, message: "", details: [:])
        let archivedAt = job.extra["archived_at"]?.stringValue ?? "?"
        let finished = (job.finishedAt ?? job.updatedAt).iso8601
        e.details["archived_at"] = .string(archivedAt)
        e.details["finished_at"] = .string(finished)
        e.details["attempts"] = .int(Int64(job.attempts))
        e.message = "archived at \(archivedAt) (in archive/, no longer in the spool's directories); "
            + (job.state == .dead ? "dead after \(plural(job.attempts, "attempt"))" + (job.lastError.map { "; last error: \($0)" } ?? "")
                                  : "\(job.state.rawValue) at \(finished) after \(plural(job.attempts, "attempt"))")
        return e
    }

    /// processing/: the owner from the claim's name, its registration and its liveness.
    private func explainOwner(_ file: JobFile, config: Config, now: Timestamp, into e: inout JobExplanation) {
        let name = String(file.path.split(separator: "/").last ?? "")
        guard let owner = JobFileName.parseProcessing(name)?.worker else {
            e.reason = .orphaned
            e.message = "in processing/ under an unexpected name; recovery quarantines it"
            return
        }
        let registration = workers().first { $0.id == owner }
        let host = hostName(of: owner) ?? owner.host
        let lease = max(config.lease, announcedLease(of: owner) ?? 0)
        e.details["worker"] = .string(owner.rawValue)
        e.details["host"] = .string(host)
        e.details["pid"] = .int(Int64(owner.pid))
        if let started = file.job.startedAt { e.details["started_at"] = .string(started.iso8601) }
        if let reason = deathReason(of: owner, config: config, now: now) {
            e.reason = .orphaned
            e.message = "claimed by worker \(owner) on host \(host), which is gone (\(reason)): recovery takes it back"
            return
        }
        e.reason = .running
        var leaseText = ""
        if let heartbeat = registration?.heartbeat {
            let until = heartbeat.adding(seconds: lease)
            e.details["lease_until"] = .string(until.iso8601)
            leaseText = ", lease until \(until.iso8601)"
        }
        e.message = "running: owned by worker \(owner) on host \(host) (pid \(owner.pid)\(leaseText)), attempt \(file.job.attempts)"
            + (file.job.startedAt.map { " since \($0.iso8601)" } ?? "")
    }

    /// The host name a worker registered with (unescaped), nil without a registration.
    private func hostName(of worker: ProcessTag) -> String? {
        guard let bytes = try? FileSystem.readFile(registrationPath(worker), limit: 65536),
              case .object(let o)? = try? JSONCoding.decode(bytes) else { return nil }
        return o["host"]?.stringValue
    }

    private func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
}
