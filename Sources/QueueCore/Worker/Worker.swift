#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import QueueSystem

/// A worker: claims due jobs and runs up to `count` at a time until asked to stop. Embeddable in
/// any process: it installs no signal handlers and shares no process-wide state (a command line
/// tool turns its signals into `stop(force:)` calls).
///
/// The thread that calls `run()` runs the loop (`WorkerLoop.swift`); each running job has its
/// own thread (the first of a batch commits the batch's claims, `Spool.commitClaims`), and a committer
/// thread records outcomes (`Committer`) so a slot starts its next job without waiting for the
/// previous result's fsyncs. The loop sleeps in `poll()` on
/// inotify (pending/, failed/ and the spool root) and on the worker's own wake channel, with a
/// timeout of at most `poll_interval`. After `stop()` (or a stop request file in the spool) it
/// claims nothing new, lets running jobs finish and returns; after `stop(force: true)` (or a
/// second `stop()`) it terminates the running jobs.
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
        /// Recovery gave back a group slot of a dead worker (`groups/<group>/<k> (job ...; reason)`).
        case groupSlotReleased(String)
        case warning(String)
        case stopping(force: Bool)
        case stopped
    }

    public let spool: Spool
    public let options: Options
    public let tag: ProcessTag
    let emit: @Sendable (Event) -> Void
    let configBox: Mutex<Config>
    let running = Mutex<Int>(0)
    let runner: JobRunner
    let committer: Committer
    let forceStop = Atomic<Bool>(false)
    /// Calls of `stop()` so far (a `stop(force: true)` counts as two).
    let stopRequests = Atomic<Int>(0)
    /// Wakes the loop: job threads, the committer and `stop()` write to it. Owned by this worker.
    let wakeChannel = WakeChannel()
    /// Jobs finished since the loop last looked at waiting/.
    let finishedSinceResolve = Atomic<Int>(0)
    let throughput = Mutex(ThroughputCounter())
    /// Attempts this worker started and their recorded outcomes (published in its registration).
    let counters = Mutex(JobCounters())
    /// Names a slot put back (a partial write under a queue name), for the loop to skip until then.
    let putBack = LockedValue<[(name: String, until: Timestamp)]>([])
    /// Outcomes the committer could not record (disk full...), retried every poll interval.
    let unrecorded = LockedValue<[(finish: Spool.Finish, seconds: Double)]>([])
    /// Outcomes that failed to record since the last one that was recorded: the retry backs off.
    let recordFailureStreak = Atomic<Int>(0)
    /// Group limits: the slots this worker takes and the candidates it parks (`GroupGate`).
    let groupGate = GroupGate()

    public init(spool: Spool, options: Options, tag: ProcessTag = .current, emit: @escaping @Sendable (Event) -> Void) {
        self.spool = spool
        self.options = options
        self.tag = tag
        self.emit = emit
        configBox = Mutex(Config())
        runner = JobRunner(spool: spool, worker: tag)
        committer = Committer(spool: spool)
    }

    /// Runs the loop on the calling thread until stopped. Returns normally after a stop (by
    /// `stop(force:)`, a stop request file, or `exitWhenIdle`), once no job runs and every
    /// outcome is recorded; the registration is removed on return.
    /// - Throws: `QueueError.spoolUnusable` when the spool is unsafe; `QueueError.system` when it
    ///   cannot be created, its config read, or the worker registered.
    public func run() throws(QueueError) {
        try spool.create()
        let config = try spool.config()
        if !config.allowSharedSpool, case let problems = spool.permissionProblems(), !problems.isEmpty {
            throw .spoolUnusable("refusing to run jobs from an unsafe spool: \(problems.joined(separator: "; ")). "
                + "Fix with: chmod -R go-w \(spool.root) (and chown it to yourself), "
                + "or allow it with: queuectl config set allow_shared_spool true")
        }
        configBox.withLock { $0 = config }
        let startedAt = Timestamp.now()
        do { try spool.register(tag, count: options.count, background: options.background, logPath: options.logPath, startedAt: startedAt,
                                   stats: countersStats(), lease: config.lease) }
        catch { throw .failure("cannot register worker", error) }
        defer { retire(startedAt: startedAt); emit(.stopped) }
        emit(.started(tag, count: options.count))

        var state = LoopState(spool: spool, config: config, startedAt: startedAt)
        while true {
            state.mono = MonotonicClock.nanos()
            state.now = Timestamp.now()
            handleStopRequests(&state)
            if isDone(state) { return }
            retryUnrecorded(&state)
            reloadConfig(&state)
            heartbeat(&state)
            repairLayout(&state)
            recoverOrphans(&state)
            purge(&state)
            archiveOld(&state)
            resolveWaiting(&state)
            if !state.stopping && !exists(spool.pausedFlagPath) {
                claimDueJobs(&state)
                adoptDrops(&state)
                if checkIdle(&state) { continue }
            }
            sleepUntilSomethingHappens(&state)
        }
    }

    /// Asks the worker to stop: it claims nothing new and `run()` returns once the running jobs
    /// have finished and their outcomes are recorded. With `force` (or on a second call), the
    /// running jobs are terminated (TERM, then KILL after `kill_grace`) instead. Callable from
    /// any thread, before or during `run()`; never blocks.
    public func stop(force: Bool = false) {
        stopRequests.add(force ? 2 : 1, ordering: .relaxed)
        wakeChannel.wake()
    }

    /// Runs a reserved claim on a thread of its own, once its commit (`ticket`) made it durable;
    /// the thread given `commit` makes the commit of its batch first (`Spool.commitClaims`).
    /// When the command ends, the outcome goes to the committer first (so the worker cannot
    /// exit before it is recorded), then the slot is freed (and the group slot taken for it, if
    /// any, given back).
    func start(_ reserved: ReservedClaim, ticket: ClaimTicket, commit: (@Sendable () -> Void)? = nil, groupSlot: GroupSlot? = nil) {
        running.withLock { $0 += 1 }
        let runner = self.runner
        DetachedThread.start { [self] in
            defer {
                self.running.withLock { $0 -= 1 }
                self.wakeChannel.wake()
            }
            defer { if let groupSlot { self.finishSlot(groupSlot, job: reserved.id) } }
            commit?()
            let claim: JobClaim
            switch ticket.wait() {
            case .success(.claimed(let c)):
                claim = c
                self.counters.withLock { $0.attempts += 1 }
            case .success(.notClaimed): return
            case .success(.putBack(let until)):
                self.putBack.withLock { $0.append((reserved.originName, until)) }
                self.emit(.warning("\(reserved.origin) does not parse yet and was written less than drop_grace ago: "
                    + "put back, next try at \(until.iso8601)"))
                return
            case .failure(let error):
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
    func record(_ finish: Spool.Finish, seconds: Double) {
        committer.submit(finish) { [self] error in
            // ENOENT is "taken away by recovery" only when the claim is gone (else: retried).
            // (On filesystems without RENAME_EXCHANGE a move past its fence keeps a `.moving` name.)
            if let error, !error.isNotFound || self.exists(finish.claim.path)
                || self.exists(self.spool.movingPath(mover: self.tag, id: finish.job.id)) {
                self.unrecorded.withLock { $0.append((finish, seconds)) }
                self.recordFailureStreak.add(1, ordering: .relaxed)
                self.emit(.warning("could not record the outcome of \(finish.job.id) (\(finish.job.state.rawValue)): \(error); "
                    + "it stays in processing/ and is retried (every poll_interval, backing off to 5 s while it keeps failing)"))
                self.wakeChannel.wake()
                return
            }
            self.recordFailureStreak.store(0, ordering: .relaxed)
            var job = finish.job
            if let error {
                job.lastError = "result not recorded: \(error)"
                // The claim was taken over (this worker's lease expired, e.g. its host was cut
                // off): the job's file is someone else's now. Its log keeps the late result.
                self.spool.appendQueueNote(job.id, "attempt \(job.attempts) on worker \(self.tag) ended "
                    + "(\(job.state.rawValue)\(job.exitCode.map { ", exit \($0)" } ?? "")) at \(Timestamp.now().iso8601) after its claim "
                    + "\(finish.claim.path) was taken over by recovery (lease lost): late result not recorded, the job is unchanged")
            } else {
                self.counters.withLock { $0.count(outcome: job.state) }
                if job.state != .failed { self.spool.releaseKey(of: job) }  // completed or dead: its unique key is free
            }
            self.emit(.jobEnded(job, seconds: seconds, lost: error != nil))
            self.finishedSinceResolve.add(1, ordering: .relaxed)
            self.throughput.withLock { $0.record(at: .now()) }
            self.wakeChannel.wake()
        }
    }

    func exists(_ path: String) -> Bool { (try? FileStatus.of(path)) != nil }

    func stamp(_ path: String) -> FileStatus? { try? FileStatus.of(path) }
}
