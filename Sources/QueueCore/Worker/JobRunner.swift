#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Runs one claimed job: spawns `/bin/sh -c COMMAND` in its own process group with output
/// appended to `logs/<id>.log`, enforces the timeout (TERM to the group, KILL after the grace),
/// and computes the outcome, which the caller records (`Spool.finish`).
public struct JobRunner: Sendable {
    public let spool: Spool
    public let worker: ProcessTag
    /// Empty logs of this runner's finished attempts, renamed into place for its next jobs.
    let recycledLogs = RecycledLogs()

    public init(spool: Spool, worker: ProcessTag) {
        self.spool = spool
        self.worker = worker
    }

    /// The result of one attempt, not yet recorded.
    public struct Outcome: Sendable {
        /// The job's new content: state completed, failed (with its next run_at) or dead.
        public var job: Job
        public var durationSeconds: Double
    }

    /// Runs the claim to its end. Never throws: failures become the job's outcome. Exit code 100
    /// is a permanent failure (dead at once, `RetryPolicy.permanentFailureExitCode`); every other
    /// failure follows the retry policy. The outcome carries the attempt's history entry
    /// (`Job.appendAttempt`: worker, times, exit code or signal, timeout, its output's tail).
    ///
    /// An attempt that printed nothing leaves its empty log to be renamed into place as the log
    /// of a later job of this runner (`RecycledLogs`): that job then has no log, as if it had
    /// never had one.
    ///
    /// The attempt starts only once it holds the job's run lock (`Spool.openRunLog`): processes
    /// of an earlier attempt that still hold it are ended first on this host, or waited for
    /// (`warn` is told once), so two attempts of one job never run at the same time.
    public func run(_ claim: JobClaim, config: @Sendable () -> Config, abortFlag: @Sendable () -> Bool,
                    warn: (String) -> Void = { _ in }) -> Outcome {
        let started = MonotonicClock.nanos()
        let startedAt = Timestamp.now()
        var job = claim.job
        let cfg = config()
        let timeoutSeconds = cfg.timeoutSeconds(for: job)
        var errorText: String?
        var exitCode: Int?
        var attempt = AttemptFacts()
        do {
            guard let log = try lockRun(job.id, config: config, abortFlag: abortFlag, warn: warn) else {
                throw SystemError(errno: .interrupted, operation: "waiting for an earlier attempt to end", path: spool.logPath(job.id))
            }
            attempt.logOffset = spool.logSize(log)
            let spawned = Result { () throws(SystemError) -> ChildProcess in
                try ChildProcess.spawnShell(job.command, output: log, environment: [
                    "QUEUECTL_JOB_ID": job.id.rawValue,
                    "QUEUECTL_ATTEMPT": String(job.attempts),
                    "QUEUECTL_SPOOL": spool.root,
                ])
            }
            log.close()  // the attempt's processes hold the log (and its lock) from here on
            let child = try spawned.get()
            let deadline = timeoutSeconds.map { MonotonicClock.deadline(after: $0, from: started) }
            var termination: ChildProcess.Termination?
            while termination == nil {
                let sliceEnd = MonotonicClock.nanos() + 100_000_000
                let until = deadline.map { min($0, sliceEnd) } ?? sliceEnd
                termination = child.wait(untilMonotonicNanos: until, killStragglers: true)
                if termination != nil { break }
                if let deadline, MonotonicClock.nanos() >= deadline {
                    _ = child.terminateGroup(grace: config().killGrace)
                    errorText = "timed out after \(Config.format(timeoutSeconds!)) s; process group killed"
                    attempt.timedOut = true
                    termination = .signaled(SIGKILL)
                } else if abortFlag() {
                    _ = child.terminateGroup(grace: config().killGrace)
                    errorText = "killed: worker \(worker) was stopped"
                    termination = .signaled(SIGKILL)
                }
            }
            switch termination! {
            case .exited(let code):
                exitCode = Int(code)
                if code != 0 && errorText == nil {
                    errorText = code == 127 ? "exit code 127 (command not found)" : "exit code \(code)"
                    if Int(code) == RetryPolicy.permanentFailureExitCode {
                        errorText = "exit code 100 (permanent failure: not retried)"
                        attempt.permanent = true
                    }
                }
            case .signaled(let sig):
                attempt.signal = Int(sig)
                if errorText == nil { errorText = "killed by signal \(sig)" }
            }
        } catch {
            errorText = "cannot start: \(error)"
        }
        let now = Timestamp.now()
        if errorText == nil {
            job.state = .completed
            job.exitCode = 0
            job.lastError = nil
            job.finishedAt = now
            job.updatedAt = now
        } else {
            RetryPolicy.applyFailure(to: &job, error: errorText!, exitCode: exitCode, config: config(), now: now,
                                     permanent: attempt.permanent)
        }
        let seconds = Double(MonotonicClock.nanos() - started) / 1e9
        let output = attempt.logOffset.map { spool.attemptOutput(job.id, from: $0) }
        if output?.logSize == 0 { recycledLogs.offer(spool.logPath(job.id)) }  // it printed nothing: reuse the inode
        job.appendAttempt(AttemptRecord(
            attempt: job.attempts, worker: worker, startedAt: startedAt, endedAt: now, durationSeconds: seconds,
            exitCode: exitCode, signal: attempt.signal, timedOut: attempt.timedOut, outcome: job.state.rawValue,
            error: job.state == .completed ? nil : job.lastError,
            output: output?.tail ?? ""))
        return Outcome(job: job, durationSeconds: seconds)
    }

    /// What `run` learns about an attempt for its history entry.
    private struct AttemptFacts {
        /// Where the attempt's output starts in `logs/<id>.log` (nil: the command never started).
        var logOffset: Int64?
        var signal: Int?
        var timedOut = false
        /// Exit code 100: dead at once, without further retries.
        var permanent = false
    }

    /// Takes the job's run lock, ending (this host) or waiting for (elsewhere) the processes of an
    /// earlier attempt that still hold it. Nil when the worker is stopped by force meanwhile.
    private func lockRun(_ id: JobID, config: @Sendable () -> Config, abortFlag: @Sendable () -> Bool,
                         warn: (String) -> Void) throws(SystemError) -> FileDescriptor? {
        var warned = false
        var unreachableWait = 0.05
        while true {
            let opened: FileDescriptor?
            do {
                opened = try spool.openRunLog(id, recycling: recycledLogs)
            } catch where error.errno.isStorageUnreachable {
                // Storage briefly unreachable (ENOTCONN, EIO, ESTALE...): the attempt has not
                // started, so it must not count as failed. Wait with backoff (at most 5 s) while
                // the claim stays ours; if this worker's lease runs out meanwhile, another host
                // takes the job and this finish is fenced off.
                warn("job \(id): cannot open \(spool.logPath(id)): \(error); retrying in \(unreachableWait) s")
                usleep(useconds_t(unreachableWait * 1_000_000))
                unreachableWait = min(unreachableWait * 2, 5)
                if abortFlag() { return nil }
                continue
            }
            if let fd = opened { return fd }
            if !warned {
                warned = true
                warn("job \(id): processes of an earlier attempt still hold \(spool.logPath(id)); ending them before it starts again")
            }
            if !spool.endEarlierRun(id, grace: config().killGrace) { usleep(100_000) }
            if abortFlag() { return nil }
        }
    }
}
