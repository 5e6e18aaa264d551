#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import QueueSystem

/// A worker process: claims due jobs and runs up to `count` at a time until asked to stop.
///
/// One thread runs the loop below; each running job has its own thread, and a committer thread
/// records outcomes (`ResultCommitter`) so a slot starts its next job without waiting for
/// the previous result's fsyncs. The loop sleeps in
/// `poll()` on inotify (pending/, failed/ and the spool root) and the signal self-pipe, with a
/// timeout of at most `poll_interval`. On SIGTERM/SIGINT (or a stop request file) it claims
/// nothing new, lets running jobs finish and returns; a second signal terminates running jobs.
public final class Worker: @unchecked Sendable {
    public struct Options: Sendable {
        public var count = 1
        public var background = false
        public var logPath: String?
        /// Exit when nothing is due and nothing runs (for scripts and benchmarks).
        public var exitWhenIdle = false
        public init() {}
    }

    /// What the worker reports (the CLI prints these lines).
    public enum Event: Sendable {
        case started(ProcessTag, count: Int)
        case jobStarted(Job)
        case jobEnded(Job, seconds: Double, lost: Bool)
        case recovered(RecoveryAction)
        case adopted(String, Spool.AdoptionResult)
        case purged(Int)
        case dependencyResolved(JobID, JobState)
        case warning(String)
        case stopping(force: Bool)
        case stopped
    }

    public let spool: Spool
    public let options: Options
    public let tag: ProcessTag
    private let emit: @Sendable (Event) -> Void
    private let configBox: Mutex<Config>
    private let running = Mutex<Int>(0)
    private let runner: JobRunner
    private let committer: ResultCommitter
    private let forceStop = Atomic<Bool>(false)
    /// Jobs finished since the loop last looked at waiting/.
    private let finishedSinceResolve = Atomic<Int>(0)
    private let throughput = Mutex(ThroughputCounter())
    /// Names a slot put back (a partial write under a queue name), for the loop to skip until then.
    private let putBack = LockedValue<[(name: String, until: Timestamp)]>([])
    /// Outcomes the committer could not record (disk full...), retried every poll interval.
    private let unrecorded = LockedValue<[(finish: Spool.Finish, seconds: Double)]>([])

    public init(spool: Spool, options: Options, tag: ProcessTag = .current, emit: @escaping @Sendable (Event) -> Void) {
        self.spool = spool
        self.options = options
        self.tag = tag
        self.emit = emit
        configBox = Mutex(Config())
        runner = JobRunner(spool: spool, worker: tag)
        committer = ResultCommitter(spool: spool)
    }

    /// Runs until stopped. Returns normally after a graceful stop.
    /// - Throws: `QueueError.spoolUnusable` when the spool cannot be used or is unsafe.
    public func run() throws(QueueError) {
        try spool.create()
        var config = try spool.config()
        if !config.allowSharedSpool, case let problems = spool.permissionProblems(), !problems.isEmpty {
            throw .spoolUnusable("refusing to run jobs from an unsafe spool: \(problems.joined(separator: "; ")). "
                + "Fix with: chmod -R go-w \(spool.root) (and chown it to yourself), "
                + "or allow it with: queuectl config set allow_shared_spool true")
        }
        configBox.withLock { $0 = config }
        ShutdownSignal.install()
        let startedAt = Timestamp.now()
        do { try spool.register(tag, count: options.count, background: options.background, logPath: options.logPath, startedAt: startedAt,
                                   lease: config.lease) }
        catch { throw .spoolUnusable("cannot register worker: \(error)") }
        defer { spool.deregister(tag); emit(.stopped) }
        emit(.started(tag, count: options.count))

        let watch = DirectoryWatch()
        watch.add(spool.directory(.pending))
        watch.add(spool.directory(.failed))
        let rootWatch = DirectoryWatch()
        rootWatch.add(spool.root)
        let queue = CandidateQueue(spool: spool)
        var configStamp = stamp(spool.configPath)
        var lastHeartbeat = MonotonicClock.nanos()
        var lastRecovery: UInt64 = 0
        var lastPurge: UInt64 = 0
        var lastResolve: UInt64 = 0
        var lastRecordRetry: UInt64 = 0
        var lastLayoutCheck: UInt64 = 0
        var reportedLeftInPlace: Set<String> = []
        var unadoptable: Set<String> = []  // dropped names whose last adoption was deferred or failed
        var stopping = false
        var signalsSeen = 0

        while true {
            let mono = MonotonicClock.nanos()
            let now = Timestamp.now()
            // Stop requests: signals or a stop file.
            let signals = ShutdownSignal.count.load(ordering: .relaxed)
            if signals > signalsSeen || (!stopping && exists(spool.stopRequestPath(tag))) {
                if !stopping {
                    stopping = true
                    // Say so in the spool too: `worker list` shows a worker with a stop request as stopping.
                    _ = try? FileSystem.createExclusive(spool.stopRequestPath(tag))
                    emit(.stopping(force: false))
                }
                if signals >= 2 && !forceStop.load(ordering: .relaxed) {
                    forceStop.store(true, ordering: .relaxed)
                    emit(.stopping(force: true))
                }
                signalsSeen = signals
            }
            let active = running.withLock { $0 }
            let unrecordedCount = unrecorded.withLock { $0.count }
            if stopping && active == 0 && committer.backlog == 0 && (unrecordedCount == 0 || forceStop.load(ordering: .relaxed)) { return }
            if unrecordedCount > 0 && mono - lastRecordRetry >= TimeLimits.nanoseconds(config.pollInterval) {
                for item in unrecorded.takeAll() { record(item.finish, seconds: item.seconds) }
                lastRecordRetry = mono
            }
            // Config changes reach the running worker.
            let newStamp = stamp(spool.configPath)
            if newStamp != configStamp {
                configStamp = newStamp
                do {
                    let previousLease = config.lease
                    config = try spool.config()
                    configBox.withLock { $0 = config }
                    // Announce a new lease at once (other hosts judge this worker by it).
                    if config.lease != previousLease { lastHeartbeat = 0 }
                } catch {
                    emit(.warning("keeping the previous config: \(error)"))
                }
            }
            // Heartbeat: the registration's mtime.
            let heartbeatEvery = TimeLimits.nanoseconds(min(config.lease / 3, 5))
            if mono - lastHeartbeat >= heartbeatEvery {
                let stats = throughput.withLock { $0.json(now: now) }
                do {
                    try spool.register(tag, count: options.count, background: options.background, logPath: options.logPath,
                                       startedAt: startedAt, stats: stats, lease: config.lease, durable: false)
                } catch {
                    // Still alive: renew the lease by the mtime alone (needs no disk space).
                    let touched = (try? FileSystem.touch(spool.registrationPath(tag))) != nil
                    emit(.warning("heartbeat: \(error)" + (touched ? " (lease renewed by touching the registration)" : "")))
                }
                lastHeartbeat = mono
            }
            // Spool directories removed while we run (rm -rf completed/...): recreated, with a warning.
            if mono - lastLayoutCheck >= TimeLimits.nanoseconds(config.pollInterval) {
                do { try spool.repairLayout() } catch { emit(.warning("\(error)")) }
                lastLayoutCheck = mono
            }
            let recreated = Spool.takeLayoutRepairs()  // by this loop, a finish or a job start
            if !recreated.isEmpty { emit(.warning("recreated missing spool directories: \(recreated.joined(separator: " "))")); queue.invalidate() }
            // Recovery of other workers' orphaned claims: at start, then every lease/2 (at most every poll_interval).
            let recoveryEvery = TimeLimits.nanoseconds(max(min(config.lease / 2, config.pollInterval * 5), 0.01))
            if !stopping && (lastRecovery == 0 || mono - lastRecovery >= recoveryEvery) {
                let (actions, errors) = spool.recoverOrphans(config: config, now: now, me: tag)
                for a in actions { emit(.recovered(a)) }
                for e in errors { emit(.warning("recovery: \(e)")) }
                if !actions.isEmpty { queue.invalidate() }
                lastRecovery = mono
            }
            if config.retention > 0 && !stopping && (lastPurge == 0 || mono - lastPurge >= 60_000_000_000) {
                let n = (try? spool.purge(states: [.completed, .dead], olderThan: config.retention, now: now)) ?? 0
                if n > 0 { emit(.purged(n)) }
                lastPurge = mono
            }
            // Jobs waiting for dependencies: when one of ours finished, and every poll interval.
            if !stopping && (finishedSinceResolve.exchange(0, ordering: .relaxed) > 0 || mono - lastResolve >= TimeLimits.nanoseconds(config.pollInterval)) {
                for (id, state) in spool.resolveWaiting(now: now) {
                    emit(.dependencyResolved(id, state))
                    if state == .pending { queue.invalidate() }
                }
                lastResolve = mono
            }
            for entry in putBack.takeAll() { queue.skip(entry.name, until: entry.until) }
            // Claim while slots are free.
            let paused = exists(spool.pausedFlagPath)
            if !stopping && !paused {
                var free = options.count - active
                while free > 0, let candidate = queue.next(now: now, safetyInterval: config.pollInterval) {
                    // The rename (who wins) happens here; the rest of the claim (read, rewrite,
                    // fsyncs) on the slot's own thread, so slots do not queue behind each other's fsyncs.
                    let reserved: ReservedClaim?
                    do { reserved = try spool.reserve(candidate.name, from: candidate.state, worker: tag) }
                    catch { emit(.warning("claim \(candidate.name): \(error)")); reserved = nil }
                    guard let reserved else { continue }
                    free -= 1
                    start(reserved)
                }
                for (name, state) in queue.takeDropped() {
                    let result = spool.adopt(name, in: state, grace: config.dropGrace, now: now)
                    switch result {
                    case .deferred, .leftInPlace: unadoptable.insert(name)
                    default: unadoptable.remove(name)
                    }
                    switch result {
                    case .deferred, .vanished: break
                    case .adopted: queue.invalidate(); emit(.adopted(name, result))
                    case .leftInPlace:
                        // Said once per name, not at every scan.
                        if reportedLeftInPlace.insert(name).inserted { emit(.adopted(name, result)) }
                    default: emit(.adopted(name, result))
                    }
                }
                // Idle: nothing runs, nothing is due now, no retry waits in failed/ (a drain ends
                // every job's retries; a pending job due later does not count), and every dropped
                // file left is one that cannot be adopted yet (still being written) or at all.
                if options.exitWhenIdle && running.withLock({ $0 }) == 0 && committer.backlog == 0
                    && unrecorded.withLock({ $0.isEmpty }) && queue.isEmpty
                    && finishedSinceResolve.load(ordering: .relaxed) == 0 {
                    queue.scan(now: Timestamp.now())
                    if queue.isEmpty && !queue.retryPending && queue.dropped.allSatisfy({ unadoptable.contains($0.name) }) {
                        stopping = true
                        continue
                    }
                }
            }
            // Sleep until something happens.
            var timeout = config.pollInterval
            if let due = queue.nextDue { timeout = min(timeout, max(0.001, due.secondsSinceEpoch - Timestamp.now().secondsSinceEpoch)) }
            timeout = min(timeout, Double(heartbeatEvery) / 1e9)
            var fds = [pollfd(fd: ShutdownSignal.wakeFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: watch.fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: rootWatch.fd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, nfds_t(fds.count), TimeLimits.milliseconds(timeout, minimum: 1, maximum: 60_000))
            ShutdownSignal.drain()
            let events = watch.drain()
            if events.overflow { queue.invalidate() }
            let arrivalNow = Timestamp.now()
            for name in events.names {
                // inotify does not say which watched directory: try both orderings by existence.
                let state: JobState = exists(spool.path("failed", name)) ? .failed : .pending
                queue.offer(name, state: state, now: arrivalNow)
            }
            _ = rootWatch.drain()
        }
    }

    /// Completes the claim and runs it on a thread of its own. When the command ends, the
    /// outcome goes to the committer first (so the worker cannot exit before it is recorded),
    /// then the slot is freed.
    private func start(_ reserved: ReservedClaim) {
        running.withLock { $0 += 1 }
        let runner = self.runner
        DetachedThread.start { [self] in
            defer {
                self.running.withLock { $0 -= 1 }
                ShutdownSignal.wake()
            }
            let claim: JobClaim
            do {
                switch try self.spool.completeClaim(reserved, worker: self.tag, dropGrace: self.configBox.withLock { $0.dropGrace }) {
                case .claimed(let c): claim = c
                case .notClaimed: return
                case .putBack(let until):
                    self.putBack.withLock { $0.append((reserved.originName, until)) }
                    self.emit(.warning("\(reserved.origin) does not parse yet and was written less than drop_grace ago: "
                        + "put back, next try at \(until.iso8601)"))
                    return
                }
            } catch {
                // ENOSPC, EIO...: give the job back rather than strand it under a live worker.
                if self.spool.abandon(reserved) {
                    let until = Timestamp.now().adding(seconds: self.configBox.withLock { $0.pollInterval })
                    self.putBack.withLock { $0.append((reserved.originName, until)) }
                    self.emit(.warning("claim \(reserved.origin): \(error); put back, next try at \(until.iso8601)"))
                } else {
                    self.emit(.warning("claim \(reserved.origin): \(error)"))
                }
                return
            }
            self.emit(.jobStarted(claim.job))
            let outcome = runner.run(claim, config: { self.configBox.withLock { $0 } },
                                     abortFlag: { self.forceStop.load(ordering: .relaxed) },
                                     warn: { self.emit(.warning($0)) })
            self.record(Spool.Finish(claim: claim, job: outcome.job), seconds: outcome.durationSeconds)
        }
    }

    /// Hands an outcome to the committer. If it cannot be recorded for a reason of the system
    /// (disk full...), it is kept and submitted again every poll interval: the claim stays in
    /// processing/ under this live worker meanwhile, and the `end` line waits for the record.
    /// A claim taken away by recovery (ENOENT) is reported as lost.
    private func record(_ finish: Spool.Finish, seconds: Double) {
        committer.submit(finish) { [self] error in
            // ENOENT is "taken away by recovery" only when the claim is gone (else: retried).
            if let error, !error.isNotFound || self.exists(finish.claim.path) {
                self.unrecorded.withLock { $0.append((finish, seconds)) }
                self.emit(.warning("could not record the outcome of \(finish.job.id) (\(finish.job.state.rawValue)): \(error); "
                    + "it stays in processing/ and is retried every poll_interval"))
                ShutdownSignal.wake()
                return
            }
            var job = finish.job
            if let error { job.lastError = "result not recorded: \(error)" }
            self.emit(.jobEnded(job, seconds: seconds, lost: error != nil))
            self.finishedSinceResolve.add(1, ordering: .relaxed)
            self.throughput.withLock { $0.record(at: .now()) }
            ShutdownSignal.wake()
        }
    }

    private func exists(_ path: String) -> Bool { (try? FileStatus.of(path)) != nil }

    private func stamp(_ path: String) -> FileStatus? { try? FileStatus.of(path) }
}
