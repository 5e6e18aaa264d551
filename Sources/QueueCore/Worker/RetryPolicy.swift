/// What happens to a job after an attempt that did not succeed.
public enum RetryPolicy {
    /// Updates `job` after failed attempt `job.attempts`: to failed/ (due after the backoff)
    /// while retries remain, else to dead/.
    /// - Parameters:
    ///   - error: the `last_error` text.
    ///   - exitCode: the command's exit code, nil when it did not exit normally.
    public static func applyFailure(to job: inout Job, error: String, exitCode: Int?, config: Config, now: Timestamp) {
        job.lastError = error
        job.exitCode = exitCode
        job.finishedAt = now
        job.updatedAt = now
        let maxRetries = job.maxRetries ?? config.maxRetries
        if job.attempts > maxRetries {
            job.state = .dead
        } else {
            job.state = .failed
            job.runAt = now.adding(seconds: config.backoffSeconds(afterAttempt: job.attempts))
        }
    }
}
