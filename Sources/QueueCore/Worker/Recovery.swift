import QueueSystem

/// Taking back jobs whose worker is gone. A claim in processing/ is orphaned when its worker
/// is provably dead (same host: no such pid, or the pid's start time differs), when its
/// worker's registration is missing, or when the worker's heartbeat (the mtime of
/// `workers/<id>.json`) is older than the lease.
public struct RecoveryAction: Sendable, Equatable, CustomStringConvertible {
    public var id: JobID
    public var from: String
    public var to: JobState
    public var reason: String
    public var description: String { "\(id): \(from) -> \(to.directory)/ (\(reason))" }
}

extension Spool {
    /// Why the claim `name` in processing/ is orphaned, or nil when its owner is alive
    /// (see `deathReason(of:)`).
    public func orphanReason(_ name: String, config: Config, now: Timestamp = .now(), me: ProcessTag = .current) -> String? {
        if let (mover, _) = Spool.parseMoving(name) {
            return mover == me ? nil : deathReason(of: mover, config: config, now: now).map { "fenced move: \($0)" }
        }
        guard let (worker, _) = JobFileName.parseProcessing(name) else { return "not a claim name" }
        if worker == me { return nil }
        return deathReason(of: worker, config: config, now: now)
    }

    /// Why `worker` counts as gone, or nil when it is alive. The one liveness rule:
    ///
    /// On this host the owner's liveness is known exactly (pid and start time): a live worker
    /// is never gone, whatever its heartbeat (a stopped or busy worker keeps its claims).
    /// On other hosts the lease decides: the heartbeat (mtime of `workers/<id>.json`) must be
    /// older than the longer of the configured `lease` and the lease the worker announced in its
    /// registration (so a lower `lease` takes effect only once the worker heartbeats under it),
    /// plus `clock_skew`. The age is measured on the spool's filesystem (`spoolTime`), not on
    /// this host's clock; when that cannot be read (storage unreachable) the worker counts as
    /// alive. A worker without a registration is gone.
    public func deathReason(of worker: ProcessTag, config: Config, now: Timestamp = .now()) -> String? {
        if worker.isOnThisHost { return worker.isDeadOnThisHost ? "worker \(worker) is dead" : nil }
        guard let st = try? FileStatus.of(registrationPath(worker)) else {
            return "worker \(worker) is not registered"
        }
        guard let spoolNow = spoolTime() else { return nil }
        let ageSeconds = Double(spoolNow - st.modifiedNanos) / 1e9
        guard ageSeconds > config.lease + config.clockSkew else { return nil }
        let lease = max(config.lease, announcedLease(of: worker) ?? 0) + config.clockSkew
        if ageSeconds > lease {
            return "worker \(worker) lease expired \(Self.tenths(ageSeconds - lease))s ago (heartbeat \(Self.tenths(ageSeconds))s old; lease + clock_skew \(Self.tenths(lease))s)"
        }
        return nil
    }

    static func tenths(_ x: Double) -> String { String(Double((x * 10).rounded()) / 10) }

    /// "Now" as the spool's filesystem stamps it: the mtime of `tmp/clock` just touched
    /// (`FileSystem.touchedTime`; one file shared by every process, never removed), in
    /// nanoseconds; nil when it cannot be written.
    public func spoolTime() -> Int64? {
        try? FileSystem.touchedTime(spoolClockPath)
    }

    /// `tmp/clock`: the file whose mtime is the spool filesystem's "now" (`spoolTime`).
    public var spoolClockPath: String { path("tmp", "clock") }

    /// Recovers one claim file whatever its owner (callers check `orphanReason` first).
    /// A file whose JSON state is not `processing` is a move that was interrupted
    /// (`Transition.isInterruptedMove`): it is completed to the directory its JSON names. A
    /// `processing` one is an interrupted attempt: its attempt stays counted and the job goes
    /// back to pending/, due at once, or to dead/ when no retries remain
    /// (`RetryPolicy.applyInterruption`). The run-lock check comes before any move.
    /// - Throws: `QueueError.conflict` when the claim was unreadable: it is quarantined, and the
    ///   admin must look (the job's content is lost); `SystemError` for I/O failures.
    public func recoverClaim(_ name: String, reason: String, config: Config, now: Timestamp = .now()) throws -> RecoveryAction? {
        if Spool.parseMoving(name) != nil { return try resolveMoving(name, reason: reason) }
        let p = path("processing", name)
        let read: Result<Job, any Error>
        do { read = .success(try readJob(at: p)) } catch { read = .failure(error) }
        var job: Job
        switch read {
        case .success(let j):
            job = j
        case .failure(let error):
            if let e = error as? SystemError, e.isNotFound { return nil }
            // ESTALE (renamed by another host), EIO, ENOTCONN...: the storage, not the file.
            // Never quarantine for it: left in place, tried again at the next recovery.
            if let e = error as? SystemError, e.errno.isStorageUnreachable || e.errno == .permissionDenied {
                throw QueueError.conflict("orphaned claim processing/\(name) cannot be read now (\(e)); left in place")
            }
            let moved = try quarantine(name, in: "processing", reason: "orphaned claim is unreadable: \(error)")
            throw QueueError.conflict("orphaned claim processing/\(name) is unreadable (\(error)); quarantined as \(moved ?? "?")")
        }
        let id = job.id
        var ended = false
        if job.state == .processing, runIsActive(id) {
            // The attempt's processes outlived their worker: end them (this host) before the
            // job can run again, or leave the claim until they end (another host).
            let owner = JobFileName.parseProcessing(name)?.worker
            if owner?.isOnThisHost != true || !endEarlierRun(id, grace: config.killGrace) {
                throw QueueError.conflict("claim processing/\(name): processes of its attempt still run"
                    + (owner?.isOnThisHost == true ? " and did not end on SIGKILL" : " on host \(owner?.host ?? "?")")
                    + "; left in place until they end")
            }
            ended = true
        }
        let interruptedAttempt = !Transition.isInterruptedMove(in: .processing, jsonState: job.state)
        if interruptedAttempt {
            RetryPolicy.applyInterruption(to: &job, error: "interrupted: \(reason) during attempt \(job.attempts)",
                                          config: config, now: now)
            job.appendAttempt(.interrupted(job))
        }
        do {
            try move(p, to: job.state, as: job, durable: true, reason: "recovered: \(reason)")
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
        if interruptedAttempt { countRecoveredAttempt(outcome: job.state) }
        if job.state == .completed || job.state == .dead { releaseKey(of: job) }
        return RecoveryAction(id: id, from: "processing/\(name)", to: job.state,
                              reason: reason + (ended ? "; its attempt's processes were still running and were ended" : ""))
    }

    /// Recovers every orphaned claim in processing/.
    public func recoverOrphans(config: Config, now: Timestamp = .now(), me: ProcessTag = .current) -> (actions: [RecoveryAction], errors: [String]) {
        var actions: [RecoveryAction] = []
        var errors: [String] = []
        guard let names = try? DirectoryStream.names(directory(.processing)) else { return ([], ["cannot list processing/"]) }
        for name in names where !JobFileName.isForeignTemporary(name) {
            guard let reason = orphanReason(name, config: config, now: now, me: me) else { continue }
            if JobFileName.parseProcessing(name) == nil && Spool.parseMoving(name) == nil {
                if (try? quarantine(name, in: "processing", reason: "unexpected file in processing/")) == nil {
                    errors.append("cannot quarantine processing/\(name)")
                }
                continue
            }
            do {
                guard let a = try recoverClaim(name, reason: reason, config: config, now: now) else { continue }
                actions.append(a)
                // A fenced move that was rewriting a claim published it back into processing/
                // (after this listing): that claim's worker is gone too, recover it now.
                if a.to == .processing, let (mover, id) = Spool.parseMoving(name) {
                    let claim = JobFileName.processing(worker: mover, id: id)
                    if (try? FileStatus.of(path("processing", claim))) != nil, let why = orphanReason(claim, config: config, now: now, me: me),
                       let b = try recoverClaim(claim, reason: why, config: config, now: now) {
                        actions.append(b)
                    }
                }
            } catch {
                errors.append("\(name): \(error)")
            }
        }
        return (actions, errors)
    }
}
