import QueueSystem

/// Attempts started and their outcomes, as monotonic counters (what `/metrics` exports as
/// `queuectl_attempts_total` and `queuectl_jobs_finished_total{outcome}`).
///
/// - `attempts`: attempts started (a claim completed and its command about to be spawned);
/// - `completed`: attempts that exited 0 (the job went to completed/);
/// - `retried`: attempts that failed and will run again (failed/, or an interrupted attempt put
///   back in pending/ by recovery);
/// - `dead`: attempts after which the job went to dead/ (no retries left).
///
/// Where they live: each worker counts its own in memory and publishes them in its
/// registration (`workers/<id>.json`, key `counters`) at start, at every heartbeat and as it
/// exits; a registration that goes away (a clean exit, or `removeDeadRegistrations`) is first
/// folded into `stats/totals.json` (`foldCounters`, in `CounterTotals.swift`); recovery adds the
/// interrupted attempts it settles to the totals directly. `Spool.counters()` sums the two.
public struct JobCounters: Sendable, Equatable, CustomStringConvertible {
    public var attempts: Int64 = 0
    public var completed: Int64 = 0
    public var retried: Int64 = 0
    public var dead: Int64 = 0

    public init(attempts: Int64 = 0, completed: Int64 = 0, retried: Int64 = 0, dead: Int64 = 0) {
        self.attempts = attempts
        self.completed = completed
        self.retried = retried
        self.dead = dead
    }

    /// Counts one recorded outcome: `completed`, `failed` (retried) or `dead`; other states are ignored.
    public mutating func count(outcome: JobState) {
        switch outcome {
        case .completed: completed += 1
        case .failed, .pending: retried += 1
        case .dead: dead += 1
        default: break
        }
    }

    /// Attempts that ended, whatever the outcome.
    public var finished: Int64 { completed + retried + dead }

    /// `{"attempts": n, "completed": n, "retried": n, "dead": n}`.
    public var json: JSONValue {
        .object(["attempts": .int(attempts), "completed": .int(completed), "retried": .int(retried), "dead": .int(dead)])
    }

    /// Reads the object `json` writes; a missing or negative field counts 0. Nil when `value`
    /// is not an object.
    public init?(json value: JSONValue?) {
        guard case .object(let o)? = value else { return nil }
        func field(_ k: String) -> Int64 { max(0, o[k]?.intValue ?? 0) }
        self.init(attempts: field("attempts"), completed: field("completed"), retried: field("retried"), dead: field("dead"))
    }

    public var description: String { "attempts \(attempts), completed \(completed), retried \(retried), dead \(dead)" }

    /// Field by field: `self + other`.
    public static func + (a: JobCounters, b: JobCounters) -> JobCounters {
        JobCounters(attempts: a.attempts &+ b.attempts, completed: a.completed &+ b.completed,
                    retried: a.retried &+ b.retried, dead: a.dead &+ b.dead)
    }

    /// Field by field: what `self` has beyond `base` (0 where it has less).
    public func beyond(_ base: JobCounters) -> JobCounters {
        JobCounters(attempts: max(0, attempts - base.attempts), completed: max(0, completed - base.completed),
                    retried: max(0, retried - base.retried), dead: max(0, dead - base.dead))
    }

    /// Field by field: the larger of the two.
    public func atLeast(_ other: JobCounters) -> JobCounters {
        JobCounters(attempts: max(attempts, other.attempts), completed: max(completed, other.completed),
                    retried: max(retried, other.retried), dead: max(dead, other.dead))
    }
}

extension Spool {
    /// The queue's counters since the spool was created: the totals of `stats/totals.json`
    /// plus what every registered worker published and has not been folded yet.
    ///
    /// The registrations are read FIRST, then the totals; a registration whose run (worker id and
    /// `started_at`) the totals list as folded counts only what it has beyond the folded figures
    /// (normally nothing). So a fold (and the unlink of its registration) between the two reads is
    /// neither lost nor counted twice, and each figure never decreases from one call to the
    /// next: a worker's published counters only grow, and its fold is at least what it published.
    /// Lost: what a worker counted after its last heartbeat when it was killed (the next
    /// figures are still not lower), and what a power cut undid of a non-durable heartbeat.
    /// - Throws: `QueueError` when `stats/totals.json` exists and cannot be read or parsed.
    public func counters() throws(QueueError) -> JobCounters {
        try counters(betweenReads: {})
    }

    /// `counters()`, running `betweenReads` after the registrations were read and before the
    /// totals are (for tests of that window).
    func counters(betweenReads: () -> Void) throws(QueueError) -> JobCounters {
        let published = publishedCounters()
        betweenReads()
        let totals = try readTotals()
        var sum = totals.sum
        for p in published {
            if let f = totals.folded[p.worker.rawValue], f.started == p.startedAt {
                sum = sum + p.counters.beyond(f.counters)
            } else {
                sum = sum + p.counters
            }
        }
        return sum
    }

    /// The `counters` every registration in workers/ publishes (registrations without them count 0).
    public func publishedCounters() -> [(worker: ProcessTag, startedAt: String, counters: JobCounters)] {
        guard let names = try? DirectoryStream.names(path("workers")) else { return [] }
        var result: [(worker: ProcessTag, startedAt: String, counters: JobCounters)] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            guard let tag = ProcessTag(name.dropLast(5)) else { continue }
            if let (started, c) = registeredCounters(of: tag) { result.append((tag, started, c)) }
        }
        return result
    }

    /// The `started_at` and counters `worker`'s registration publishes: nil when it is missing
    /// or unreadable, zero counters when it names none.
    public func registeredCounters(of worker: ProcessTag) -> (startedAt: String, counters: JobCounters)? {
        guard let bytes = try? FileSystem.readFile(registrationPath(worker), limit: 65536),
              case .object(let o)? = try? JSONCoding.decode(bytes) else { return nil }
        return (o["started_at"]?.stringValue ?? "", JobCounters(json: o["counters"]) ?? JobCounters())
    }
}
