/// The spool's settings, stored in `<spool>/config.json`. Workers re-read the file when it
/// changes, so a new value takes effect without a restart.
public struct Config: Sendable, Equatable {
    /// Retries after the first attempt for jobs that do not set `max_retries`.
    public var maxRetries = 3
    /// A failed attempt n waits `backoff_base ^ n` time units.
    public var backoffBase = 2.0
    /// Upper bound of one backoff wait, in time units.
    public var backoffMax = 3600.0
    /// Timeout for jobs that set none, in time units; 0 means none. Every duration key is
    /// finite, >= 0 and at most `TimeLimits.maxSeconds`; products with `timeUnit` are clamped
    /// to that bound where they are used.
    public var jobTimeout = 0.0
    /// Length of one time unit in seconds (scales backoff, delays and timeouts; tests use 0.001).
    public var timeUnit = 1.0
    /// Seconds between an idle worker's safety rescans (inotify wakes it sooner).
    public var pollInterval = 1.0
    /// Seconds a worker's heartbeat stays valid; a claim whose worker has not renewed it for
    /// this long is taken back by recovery.
    public var lease = 30.0
    /// Seconds added to the lease before another host may take a worker's jobs: covers the
    /// difference between hosts' clocks (heartbeats are stamped by the filesystem, see `Spool.spoolTime`).
    public var clockSkew = 2.0
    /// Seconds between TERM and KILL when a job times out or a worker is stopped.
    public var killGrace = 5.0
    /// Seconds a malformed file dropped into pending/ may still be being written before it is quarantined.
    public var dropGrace = 5.0
    /// Seconds after which completed and dead jobs are purged by workers; 0 means never.
    public var retention = 0.0
    /// Allow workers to run jobs from a spool other users can write to.
    public var allowSharedSpool = false
    /// `group.NAME.limit` keys: group name to limit (`GroupLimits.swift`); absent = unlimited.
    public var groupLimits: [String: Int] = [:]
    /// Append every transition to `events/events.log` (see `EventLog`).
    public var eventLog = true
    /// Size at which the event log is rotated.
    public var eventLogMaxBytes = 16 << 20
    /// Rotated event logs kept (`events.log.1` ... `events.log.N`).
    public var eventLogKeep = 3
    /// Seconds after which workers archive completed and dead jobs into `archive/`; 0 means never.
    public var archiveAfter = 0.0
    /// Seconds between two archive batches of a worker (at most 500 jobs each).
    public var archiveEvery = 60.0
    /// The most claims a worker takes in one turn of its loop and makes durable together (their
    /// directory fsyncs shared, `Spool.commitClaims`); 1 commits each claim on its own.
    public var claimBatch = 8

    public init() {}

    /// One documented key.
    public struct Key: Sendable {
        public let name: String
        public let help: String
        let get: @Sendable (Config) -> String
        let set: @Sendable (inout Config, String) throws(QueueError) -> Void
    }

    public static let keys: [Key] = [
        intKey("max_retries", "retries after the first attempt, for jobs that set none", 0...1_000_000, \.maxRetries),
        numberKey("backoff_base", "failed attempt n waits backoff_base^n time units", 1...1_000_000, \.backoffBase),
        numberKey("backoff_max", "longest backoff wait, in time units", 0...TimeLimits.maxSeconds, \.backoffMax),
        numberKey("job_timeout", "timeout for jobs that set none, in time units (0 = none)", 0...TimeLimits.maxSeconds, \.jobTimeout),
        numberKey("time_unit", "seconds per time unit for backoff, delays and timeouts", 1e-6...86_400, \.timeUnit),
        numberKey("poll_interval", "seconds between an idle worker's rescans", 0.001...3600, \.pollInterval),
        numberKey("lease", "seconds a worker heartbeat stays valid before its jobs are recovered (at least 1: heartbeats come every lease/3)", 1...86_400, \.lease),
        numberKey("clock_skew", "seconds added to the lease before another host may take a worker's jobs (clock difference between hosts)", 0...3600, \.clockSkew),
        numberKey("kill_grace", "seconds between TERM and KILL", 0...3600, \.killGrace),
        numberKey("drop_grace", "seconds a malformed dropped file is left before quarantine", 0...86_400, \.dropGrace),
        durationKey("retention", "age after which workers purge completed/dead jobs (0 = never; e.g. 7d)", \.retention),
        boolKey("allow_shared_spool", "let workers run jobs from a group/world-writable spool", \.allowSharedSpool),
        boolKey("event_log", "append every job transition to events/events.log", \.eventLog),
        intKey("event_log_max_bytes", "size at which events/events.log is rotated", 4096...(1 << 40), \.eventLogMaxBytes),
        intKey("event_log_keep", "rotated event logs kept (events.log.1 ... .N)", 0...100, \.eventLogKeep),
        durationKey("archive_after", "age after which workers archive completed/dead jobs into archive/ (0 = never; e.g. 7d)", \.archiveAfter),
        numberKey("archive_every", "seconds between two archive batches of a worker", 0.01...86_400, \.archiveEvery),
        intKey("claim_batch", "most jobs a worker claims and makes durable in one commit (they share its fsyncs; 1 = each claim on its own)", 1...256, \.claimBatch),
    ]

    public static func key(named name: String) throws(QueueError) -> Key {
        if let group = try groupKey(named: name) { return group }
        guard let k = keys.first(where: { $0.name == name }) else {
            throw .invalidConfig("unknown config key '\(name)' (known: \(keys.map(\.name).joined(separator: ", ")))")
        }
        return k
    }

    public func value(of name: String) throws(QueueError) -> String { try Config.key(named: name).get(self) }

    public mutating func set(_ name: String, to value: String) throws(QueueError) {
        try Config.key(named: name).set(&self, value)
    }

    public static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }

    private static func intKey(_ name: String, _ help: String, _ range: ClosedRange<Int>, _ path: WritableKeyPath<Config, Int> & Sendable) -> Key {
        Key(name: name, help: help, get: { String($0[keyPath: path]) }, set: { (c, s) throws(QueueError) in
            guard let v = Int(s), range.contains(v) else {
                throw .invalidConfig("invalid value '\(s)' for \(name): expected an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            c[keyPath: path] = v
        })
    }

    private static func numberKey(_ name: String, _ help: String, _ range: ClosedRange<Double>, _ path: WritableKeyPath<Config, Double> & Sendable) -> Key {
        Key(name: name, help: help, get: { format($0[keyPath: path]) }, set: { (c, s) throws(QueueError) in
            guard let v = Double(s), v.isFinite, range.contains(v) else {
                throw .invalidConfig("invalid value '\(s)' for \(name): expected a number in \(format(range.lowerBound))...\(format(range.upperBound))")
            }
            c[keyPath: path] = v
        })
    }

    private static func durationKey(_ name: String, _ help: String, _ path: WritableKeyPath<Config, Double> & Sendable) -> Key {
        Key(name: name, help: help, get: { format($0[keyPath: path]) }, set: { (c, s) throws(QueueError) in
            guard let v = Duration.parseSeconds(s), v <= TimeLimits.maxSeconds else {
                throw .invalidConfig("invalid value '\(s)' for \(name): expected seconds or a duration like 30m, 12h, 7d, at most \(format(TimeLimits.maxSeconds)) s (10 years)")
            }
            c[keyPath: path] = v
        })
    }

    private static func boolKey(_ name: String, _ help: String, _ path: WritableKeyPath<Config, Bool> & Sendable) -> Key {
        Key(name: name, help: help, get: { $0[keyPath: path] ? "true" : "false" }, set: { (c, s) throws(QueueError) in
            switch s {
            case "true", "1", "yes": c[keyPath: path] = true
            case "false", "0", "no": c[keyPath: path] = false
            default: throw .invalidConfig("invalid value '\(s)' for \(name): expected true or false")
            }
        })
    }
}

extension Duration {
    /// Parses `90`, `90s`, `15m`, `12h`, `7d`, `2w` (also fractions like `1.5h`) into seconds.
    public static func parseSeconds(_ s: String) -> Double? {
        guard let last = s.last else { return nil }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604_800]
        let (number, scale) = units[last].map { (String(s.dropLast()), $0) } ?? (s, 1)
        guard let v = Double(number), v.isFinite, v >= 0 else { return nil }
        return v * scale
    }
}
