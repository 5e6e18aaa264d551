/// How a job entering the queue is normalised: one copy, used by `enqueue` (every client) and
/// by adoption of dropped files.

/// Values that override a new job's own fields (the `enqueue` options). Nil / empty: keep
/// the job's field. Errors name them as the CLI options do (`--delay`, `--timeout`).
public struct EnqueueOverrides: Sendable, Equatable {
    public var id: JobID?
    public var maxRetries: Int?
    public var priority: Int?
    /// Due after this many time units (`time_unit` seconds each) from now.
    public var delay: Double?
    /// Due at this time. Not together with `delay` (the caller refuses both).
    public var runAt: Timestamp?
    /// Time units; 0 means no timeout for this job (overriding `job_timeout`).
    public var timeout: Double?
    /// Dependencies; empty keeps the job's own.
    public var after: [JobID]

    public init(id: JobID? = nil, maxRetries: Int? = nil, priority: Int? = nil, delay: Double? = nil,
                runAt: Timestamp? = nil, timeout: Double? = nil, after: [JobID] = []) {
        self.id = id; self.maxRetries = maxRetries; self.priority = priority; self.delay = delay
        self.runAt = runAt; self.timeout = timeout; self.after = after
    }
}

extension Job {
    /// The job as `enqueue` stores it: `overrides` applied on top of its fields, bounds
    /// checked, and reset to a fresh job (state pending, attempts 0, no exit code, start,
    /// finish or worker), whatever its JSON said.
    ///
    /// - Parameters:
    ///   - sequence: the job's index in its batch. Jobs of one batch due at their creation time
    ///     keep their order (first in, first out within a priority): job n is due n µs later.
    ///   - now: the time `delay` counts from.
    /// - Throws: `QueueError.invalidJob` when `delay` or the timeout (in seconds, once
    ///   `config.timeUnit` is applied) is over 10 years (`TimeLimits`).
    public func normalisedForEnqueue(_ overrides: EnqueueOverrides = EnqueueOverrides(), config: Config,
                                     now: Timestamp, sequence: Int = 0) throws(QueueError) -> Job {
        var job = self
        if let id = overrides.id { job.id = id }
        if let m = overrides.maxRetries { job.maxRetries = m }
        if let p = overrides.priority { job.priority = p }
        if let delay = overrides.delay {
            try TimeLimits.check(units: delay, timeUnit: config.timeUnit, what: "--delay")
            job.runAt = now.adding(seconds: delay * config.timeUnit)
        }
        if let runAt = overrides.runAt { job.runAt = runAt }
        // 0 is kept: it means no timeout for this job, overriding job_timeout.
        if let t = overrides.timeout { job.timeout = t }
        if let t = job.timeout {
            try TimeLimits.check(units: t, timeUnit: config.timeUnit, what: overrides.timeout != nil ? "--timeout" : "field 'timeout'")
        }
        if !overrides.after.isEmpty { job.after = overrides.after }
        job.resetForQueue(keepingAttempts: false)
        // First in, first out within a priority: jobs of one batch keep their order.
        if job.runAt == job.createdAt && sequence > 0 {
            job.runAt = job.runAt.adding(seconds: Double(sequence) / 1_000_000)
        }
        return job
    }

    /// Clears what belonged to an earlier life of the job: state pending, no exit code, start,
    /// finish or worker; attempts 0 unless `keepingAttempts` (adoption keeps the count of a
    /// job that had not finished, so its retries are not renewed by a copy).
    mutating func resetForQueue(keepingAttempts: Bool) {
        state = .pending
        if !keepingAttempts { attempts = 0 }
        exitCode = nil
        startedAt = nil
        finishedAt = nil
        worker = nil
    }
}
