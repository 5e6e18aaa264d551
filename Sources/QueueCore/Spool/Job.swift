/// A job as stored in its JSON file. Fields the queue does not know are kept in `extra` and
/// written back unchanged.
public struct Job: Sendable, Equatable {
    public var id: JobID
    public var command: String
    public var state: JobState
    /// Attempts started so far (counted before the command is spawned).
    public var attempts: Int
    /// Retries after the first attempt; nil follows the `max_retries` config key.
    public var maxRetries: Int?
    /// Higher runs first; -9999...9999.
    public var priority: Int
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// When the job becomes due (for a job waiting in failed/, its next attempt).
    public var runAt: Timestamp
    /// Time units (`time_unit` seconds each) in `0...TimeLimits.maxSeconds`; 0 means no timeout
    /// for this job, nil follows the `job_timeout` config key.
    public var timeout: Double?
    public var exitCode: Int?
    public var lastError: String?
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    /// The worker id that runs or last ran the job.
    public var worker: String?
    /// Ids this job waits for (`enqueue --after`).
    public var after: [JobID]
    public var extra: [String: JSONValue]

    public static let priorityRange = -9999...9999

    public init(id: JobID, command: String, now: Timestamp = .now()) {
        self.id = id
        self.command = command
        state = .pending
        attempts = 0
        maxRetries = nil
        priority = 0
        createdAt = now
        updatedAt = now
        runAt = now
        timeout = nil
        exitCode = nil
        lastError = nil
        startedAt = nil
        finishedAt = nil
        worker = nil
        after = []
        extra = [:]
    }

    /// The keys the queue owns; everything else is `extra`.
    static let knownKeys: Set<String> = [
        "id", "command", "state", "attempts", "max_retries", "priority", "created_at", "updated_at",
        "run_at", "timeout", "exit_code", "last_error", "started_at", "finished_at", "worker", "after",
    ]
}
