/// What happens to a job after an attempt that did not succeed.
public enum RetryPolicy {
    /// The exit code that means "permanent failure: do not retry" (qmail's and fsq's contract).
    public static let permanentFailureExitCode = 100
    /// The exit code that means "temporary failure: retry" (`EX_TEMPFAIL`); retried as any failure.
    public static let temporaryFailureExitCode = 75

    /// Updates `job` after failed attempt `job.attempts`: to failed/ (due after the backoff)
    /// while retries remain, else to dead/. A `permanent` failure goes to dead/ at once.
    /// - Parameters:
    ///   - error: the `last_error` text.
    ///   - exitCode: the command's exit code, nil when it did not exit normally.
    public static func applyFailure(to job: inout Job, error: String, exitCode: Int?, config: Config, now: Timestamp,
                                    permanent: Bool = false) {
        if record(&job, error: error, exitCode: exitCode, config: config, now: now), !permanent {
            job.state = .failed
            job.runAt = now.adding(seconds: config.backoffSeconds(afterAttempt: job.attempts))
        } else if permanent {
            job.state = .dead
        }
    }

    /// Updates `job` after attempt `job.attempts` was interrupted (its worker died): the attempt
    /// stays counted; the job goes back to pending, due at once (no backoff: the command did not
    /// fail), while retries remain, else to dead, so a job that keeps killing its worker ends.
    public static func applyInterruption(to job: inout Job, error: String, config: Config, now: Timestamp) {
        if record(&job, error: error, exitCode: nil, config: config, now: now) {
            job.state = .pending
            job.runAt = now
        }
    }

    /// Records the end of the attempt; sets state dead and returns false when no retries remain.
    private static func record(_ job: inout Job, error: String, exitCode: Int?, config: Config, now: Timestamp) -> Bool {
        job.lastError = error
        job.exitCode = exitCode
        job.finishedAt = now
        job.updatedAt = now
        guard job.attempts <= job.maxRetries ?? config.maxRetries else {
            job.state = .dead
            return false
        }
        return true
    }
}
