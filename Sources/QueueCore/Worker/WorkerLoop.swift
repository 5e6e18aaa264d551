import QueueSystem

/// The steps of `Worker.run()`'s loop, in the order it takes them each turn, and the state they
/// share. Only the loop's thread touches a `LoopState`.
extension Worker {
    /// What the loop remembers between turns.
    struct LoopState {
        var config: Config
        let startedAt: Timestamp
        /// pending/ and failed/ (new names), and the spool root (stop requests, config, pause).
        let watch = DirectoryWatch()
        let rootWatch = DirectoryWatch()
        let queue: CandidateQueue
        var configStamp: FileStatus?
        /// This turn's clocks, read once at its start.
        var mono: UInt64 = 0
        var now: Timestamp
        var lastHeartbeat: UInt64
        var lastRecovery: UInt64 = 0
        var lastPurge: UInt64 = 0
        var lastResolve: UInt64 = 0
        var lastRecordRetry: UInt64 = 0
        var lastLayoutCheck: UInt64 = 0
        /// Dropped names already reported as left in place (said once, not at every scan).
        var reportedLeftInPlace: Set<String> = []
        /// Dropped names whose last adoption was deferred or failed.
        var unadoptable: Set<String> = []
        var stopping = false
        var stopRequestsSeen = 0

        init(spool: Spool, config: Config, startedAt: Timestamp) {
            self.config = config
            self.startedAt = startedAt
            queue = CandidateQueue(spool: spool)
            configStamp = try? FileStatus.of(spool.configPath)
            now = startedAt
            lastHeartbeat = MonotonicClock.nanos()
            watch.add(spool.directory(.pending))
            watch.add(spool.directory(.failed))
            rootWatch.add(spool.root)
        }

        /// How often the registration is rewritten: a third of the lease, at most every 5 s.
        var heartbeatEvery: UInt64 { TimeLimits.nanoseconds(min(config.lease / 3, 5)) }
        var pollEvery: UInt64 { TimeLimits.nanoseconds(config.pollInterval) }
    }

    /// Stop requests: `stop()` calls or a stop file. The first stops claiming (and leaves a stop
    /// file, so `worker list` shows this worker as stopping); a second `stop()` (or a forced
    /// one) also terminates the running jobs.
    func handleStopRequests(_ s: inout LoopState) {
        let requests = stopRequests.load(ordering: .relaxed)
        guard requests > s.stopRequestsSeen || (!s.stopping && exists(spool.stopRequestPath(tag))) else { return }
        if !s.stopping {
            s.stopping = true
            _ = try? FileSystem.createExclusive(spool.stopRequestPath(tag))
            emit(.stopping(force: false))
        }
        if requests >= 2 && !forceStop.load(ordering: .relaxed) {
            forceStop.store(true, ordering: .relaxed)
            emit(.stopping(force: true))
        }
        s.stopRequestsSeen = requests
    }

    /// Stopping, nothing runs and every outcome is recorded (or given up on by a forced stop).
    func isDone(_ s: LoopState) -> Bool {
        let active = running.withLock { $0 }
        let unrecordedCount = unrecorded.withLock { $0.count }
        return s.stopping && active == 0 && committer.backlog == 0 && (unrecordedCount == 0 || forceStop.load(ordering: .relaxed))
    }

    /// Outcomes the committer could not record (disk full, storage unreachable...) are submitted
    /// again after a poll interval, the wait doubling (up to 5 s) while they keep failing.
    func retryUnrecorded(_ s: inout LoopState) {
        let streak = min(max(recordFailureStreak.load(ordering: .relaxed) - 1, 0), 30)
        let (scaled, overflow) = s.pollEvery.multipliedReportingOverflow(by: UInt64(1) << UInt64(streak))
        let wait = max(s.pollEvery, overflow ? 5_000_000_000 : min(scaled, 5_000_000_000))
        guard unrecorded.withLock({ !$0.isEmpty }), s.mono - s.lastRecordRetry >= wait else { return }
        for item in unrecorded.takeAll() { record(item.finish, seconds: item.seconds) }
        s.lastRecordRetry = s.mono
    }

    /// Config changes reach the running worker; a changed lease is announced at once (other
    /// hosts judge this worker by it). An unreadable config keeps the previous one, with a warning.
    func reloadConfig(_ s: inout LoopState) {
        let newStamp = stamp(spool.configPath)
        guard newStamp != s.configStamp else { return }
        s.configStamp = newStamp
        do {
            let previousLease = s.config.lease
            s.config = try spool.config()
            let config = s.config
            configBox.withLock { $0 = config }
            if s.config.lease != previousLease { s.lastHeartbeat = 0 }
        } catch {
            emit(.warning("keeping the previous config: \(error)"))
        }
    }

    /// Heartbeat: the registration is rewritten (not durably) with fresh throughput figures,
    /// which renews its mtime, the lease. When it cannot be rewritten (disk full), its mtime
    /// alone is set (`utimensat`, which needs no space).
    func heartbeat(_ s: inout LoopState) {
        guard s.mono - s.lastHeartbeat >= s.heartbeatEvery else { return }
        let now = s.now
        let stats = throughput.withLock { $0.json(now: now) }.merging(countersStats()) { a, _ in a }
        do {
            try spool.register(tag, count: options.count, background: options.background, logPath: options.logPath,
                               startedAt: s.startedAt, stats: stats, lease: s.config.lease, durable: false)
        } catch {
            let touched = (try? FileSystem.touch(spool.registrationPath(tag))) != nil
            emit(.warning("heartbeat: \(error)" + (touched ? " (lease renewed by touching the registration)" : "")))
        }
        s.lastHeartbeat = s.mono
    }

    /// Spool directories removed while we run (rm -rf completed/...) are recreated every poll
    /// interval, with a warning (also those recreated by a finish or a job start meanwhile).
    func repairLayout(_ s: inout LoopState) {
        if s.mono - s.lastLayoutCheck >= s.pollEvery {
            do { try spool.repairLayout() } catch { emit(.warning("\(error)")) }
            s.lastLayoutCheck = s.mono
        }
        let recreated = Spool.takeLayoutRepairs()
        if !recreated.isEmpty {
            emit(.warning("recreated missing spool directories: \(recreated.joined(separator: " "))"))
            s.queue.invalidate()
        }
    }

    /// Recovery of other workers' orphaned claims: at start, then every lease/2 (at most every
    /// 5 poll intervals); not while stopping.
    func recoverOrphans(_ s: inout LoopState) {
        let every = TimeLimits.nanoseconds(max(min(s.config.lease / 2, s.config.pollInterval * 5), 0.01))
        guard !s.stopping, s.lastRecovery == 0 || s.mono - s.lastRecovery >= every else { return }
        let (actions, errors) = spool.recoverOrphans(config: s.config, now: s.now, me: tag)
        for a in actions { emit(.recovered(a)) }
        for e in errors { emit(.warning("recovery: \(e)")) }
        if !actions.isEmpty { s.queue.invalidate() }
        recoverGroupSlots(s)
        s.lastRecovery = s.mono
    }

    /// With `retention` set, completed/ and dead/ jobs older than it are removed: at start,
    /// then every minute; not while stopping.
    func purge(_ s: inout LoopState) {
        guard s.config.retention > 0, !s.stopping, s.lastPurge == 0 || s.mono - s.lastPurge >= 60_000_000_000 else { return }
        let n = (try? spool.purge(states: [.completed, .dead], olderThan: s.config.retention, now: s.now)) ?? 0
        if n > 0 { emit(.purged(n)) }
        s.lastPurge = s.mono
    }

    /// Jobs waiting for dependencies (waiting/): looked at when one of ours finished, and every
    /// poll interval; not while stopping.
    func resolveWaiting(_ s: inout LoopState) {
        guard !s.stopping,
              finishedSinceResolve.exchange(0, ordering: .relaxed) > 0 || s.mono - s.lastResolve >= s.pollEvery else { return }
        for (id, state) in spool.resolveWaiting(now: s.now) {
            emit(.dependencyResolved(id, state))
            if state == .pending { s.queue.invalidate() }
        }
        s.lastResolve = s.mono
    }

    /// Claims due jobs while slots are free, at most `claim_batch` per turn (the loop turns
    /// again at once when slots and jobs remain). The renames (who wins) happen here; the rest
    /// of the turn's claims (read, rewrite, fsyncs) is one commit for the batch, made by the
    /// batch's first job thread (`Spool.commitClaims`), so the loop and other batches do not
    /// queue behind its fsyncs; each job starts once the commit is durable. Names a slot put
    /// back are skipped until their time.
    func claimDueJobs(_ s: inout LoopState) {
        for entry in putBack.takeAll() { s.queue.skip(entry.name, until: entry.until) }
        var free = options.count - running.withLock { $0 }
        let limit = max(1, s.config.claimBatch)
        var batch: [(ReservedClaim, GroupSlot?)] = []
        groupGate.beginTurn(limits: s.config.groupLimits, queue: s.queue, spool: spool, now: s.now)
        // Only the first claim of a batch may make the queue scan: a scan (0.7 s at 1M pending)
        // must not hold claims already renamed from their commit; the next turn scans instead.
        while free > 0, batch.count < limit,
              let candidate = batch.isEmpty ? s.queue.next(now: s.now, safetyInterval: s.config.pollInterval) : s.queue.nextInWindow() {
            guard case .go(let groupSlot) = admit(candidate, &s) else { continue }  // its group is full (parked), or gone
            let reserved: ReservedClaim?
            do { reserved = try spool.reserve(candidate.name, from: candidate.state, worker: tag) }
            catch { emit(.warning("claim \(candidate.name): \(error)")); reserved = nil }
            guard let reserved else { if let groupSlot { releaseSlot(groupSlot) }; continue }
            free -= 1
            batch.append((reserved, groupSlot))
        }
        guard !batch.isEmpty else { return }
        let requests = batch.map { Spool.ClaimRequest($0.0, dropGrace: s.config.dropGrace) }
        let tickets = requests.map { _ in ClaimTicket() }
        let (spool, tag) = (spool, tag)
        // The batch's first thread commits it for all; each thread starts its job once settled.
        let commit: @Sendable () -> Void = {
            for (ticket, result) in zip(tickets, spool.commitClaims(requests, worker: tag)) {
                ticket.settle(result)
            }
        }
        for (i, ((reserved, groupSlot), ticket)) in zip(batch, tickets).enumerated() {
            start(reserved, ticket: ticket, commit: i == 0 ? commit : nil, groupSlot: groupSlot)
        }
        // More may be due (the batch was full, or the window ran dry): turn again without sleeping.
        if free > 0 && (batch.count == limit || s.queue.isEmpty) { wakeChannel.wake() }
    }

    /// Files dropped into pending/ or failed/ under names that are not job names are adopted
    /// (or quarantined), each result reported; one left in place is reported once.
    func adoptDrops(_ s: inout LoopState) {
        for (name, state) in s.queue.takeDropped() {
            let result = spool.adopt(name, in: state, grace: s.config.dropGrace, now: s.now)
            switch result {
            case .deferred, .leftInPlace: s.unadoptable.insert(name)
            default: s.unadoptable.remove(name)
            }
            switch result {
            case .deferred, .vanished: break
            case .adopted: s.queue.invalidate(); emit(.adopted(name, result))
            case .leftInPlace:
                if s.reportedLeftInPlace.insert(name).inserted { emit(.adopted(name, result)) }
            default: emit(.adopted(name, result))
            }
        }
    }

    /// With `exitWhenIdle`: idle is nothing runs, nothing is due now, no retry waits in failed/
    /// (a drain ends every job's retries; a pending job due later does not count), and every
    /// dropped file left is one that cannot be adopted yet (still being written) or at all.
    /// - Returns: true when idle (the worker is then stopping and the loop turns again at once).
    func checkIdle(_ s: inout LoopState) -> Bool {
        guard options.exitWhenIdle, running.withLock({ $0 }) == 0, committer.backlog == 0,
              unrecorded.withLock({ $0.isEmpty }), s.queue.isEmpty,
              finishedSinceResolve.load(ordering: .relaxed) == 0 else { return false }
        s.queue.scan(now: Timestamp.now())
        guard s.queue.isEmpty, !s.queue.retryPending, s.queue.dropped.allSatisfy({ s.unadoptable.contains($0.name) }),
              !groupGate.hasWaiting(spool: spool) else { return false }
        s.stopping = true
        return true
    }

    /// Sleeps until a name arrives in a watched directory, this worker's wake channel is written
    /// (a job ended, an outcome was recorded, `stop()`), the next job falls due, the next
    /// heartbeat is due, or `poll_interval` passes; then offers the arrived names to the queue.
    func sleepUntilSomethingHappens(_ s: inout LoopState) {
        var timeout = s.config.pollInterval
        if let due = s.queue.nextDue { timeout = min(timeout, max(0.001, due.secondsSinceEpoch - Timestamp.now().secondsSinceEpoch)) }
        timeout = min(timeout, Double(s.heartbeatEvery) / 1e9)
        wakeChannel.sleep(alsoWatching: [s.watch.fd, s.rootWatch.fd],
                          timeoutMilliseconds: TimeLimits.milliseconds(timeout, minimum: 1, maximum: 60_000))
        let events = s.watch.drain()
        if events.overflow { s.queue.invalidate() }
        let arrivalNow = Timestamp.now()
        for name in events.names {
            // inotify does not say which watched directory: try both orderings by existence.
            let state: JobState = exists(spool.path("failed", name)) ? .failed : .pending
            s.queue.offer(name, state: state, now: arrivalNow)
        }
        _ = s.rootWatch.drain()
    }
}
