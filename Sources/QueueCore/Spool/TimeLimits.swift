import QueueSystem

/// The bounds of every duration and instant the queue handles, and the only conversions from a
/// `Double` number of seconds to an integer clock value. Numbers from users, job files and
/// config.json are validated against these bounds where they enter (exit 2 or quarantine);
/// the conversions here additionally saturate, so no product of in-range values (e.g.
/// `time_unit` × `job_timeout`) and no NaN or infinity can trap.
public enum TimeLimits {
    /// The longest duration the queue computes or accepts: 10 years of 365.25 days, in seconds.
    /// Bounds job `timeout`, `--delay`, `--timeout` (after `time_unit`), backoff waits and the
    /// config durations.
    public static let maxSeconds: Double = 315_576_000

    /// The earliest instant a job may carry: 0000-01-01T00:00:00Z (file names keep 4-digit years).
    public static let earliest = Timestamp(micros: -62_167_219_200_000_000)
    /// The latest instant a job may carry: 9999-12-31T23:59:59.999999Z.
    public static let latest = Timestamp(micros: 253_402_300_799_999_999)

    /// `seconds` clamped to `0...maxSeconds`; NaN gives 0.
    public static func clampedSeconds(_ seconds: Double) -> Double {
        guard !seconds.isNaN, seconds > 0 else { return 0 }
        return min(seconds, maxSeconds)
    }

    /// Whole nanoseconds of `clampedSeconds(seconds)`; never traps.
    public static func nanoseconds(_ seconds: Double) -> UInt64 {
        UInt64((clampedSeconds(seconds) * 1e9).rounded())
    }

    /// Whole milliseconds of `seconds`, clamped to `minimum...maximum` (for poll(2) timeouts).
    public static func milliseconds(_ seconds: Double, minimum: Int32 = 0, maximum: Int32) -> Int32 {
        let ms = (clampedSeconds(seconds) * 1000).rounded()
        return Int32(max(Double(minimum), min(ms, Double(maximum))))
    }

    /// Whole microseconds of `seconds`, which may be negative, clamped to plus or minus the
    /// span between `earliest` and `latest` (so adding it to any valid instant cannot overflow).
    public static func micros(_ seconds: Double) -> Int64 {
        guard !seconds.isNaN else { return 0 }
        let span = Double(latest.micros - earliest.micros)
        return Int64(max(-span, min(span, (seconds * 1_000_000).rounded())))
    }

    /// `t` clamped to `earliest...latest`.
    public static func clamped(_ t: Timestamp) -> Timestamp {
        t < earliest ? earliest : (latest < t ? latest : t)
    }

    /// True when `seconds` is a finite number in `0...maxSeconds`.
    public static func isValidDuration(_ seconds: Double) -> Bool {
        seconds.isFinite && seconds >= 0 && seconds <= maxSeconds
    }
}

extension MonotonicClock {
    /// The monotonic instant `seconds` (clamped by `TimeLimits.clampedSeconds`) after `start`;
    /// saturates instead of overflowing.
    public static func deadline(after seconds: Double, from start: UInt64 = nanos()) -> UInt64 {
        deadline(afterNanos: TimeLimits.nanoseconds(seconds), from: start)
    }
}

extension ChildProcess {
    /// The teardown with a grace in seconds (clamped by `TimeLimits.clampedSeconds`): TERM to
    /// the group, wait up to `grace`, then KILL. Always reaps.
    public func terminateGroup(grace: Double) -> Termination {
        terminateGroup(graceNanos: TimeLimits.nanoseconds(grace))
    }
}

extension TimeLimits {
    /// Checks that `units` time units of `timeUnit` seconds each make a duration in
    /// `0...maxSeconds` (used for `--delay`, `--timeout` and a job's `timeout` at enqueue).
    /// - Throws: `QueueError.invalidJob` naming `what`, the value and the bound.
    public static func check(units: Double, timeUnit: Double, what: String) throws(QueueError) {
        guard isValidDuration(units), isValidDuration(units * timeUnit) else {
            let unit = timeUnit == 1 ? "" : " (time_unit is \(Config.format(timeUnit)) s)"
            throw .invalidJob("\(what) \(Config.format(units)) is out of range: at most \(Config.format(maxSeconds)) seconds (10 years)\(unit)")
        }
    }
}
