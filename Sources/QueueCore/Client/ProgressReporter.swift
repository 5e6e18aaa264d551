import QueueSystem

/// How far a long operation (a large `enqueue -`, `purge`, `archive`, `fsck`, `dlq retry
/// --all`) has come. The core calls `advance` as it goes, as often as it likes; the reporter
/// passes at most one update per `minInterval` (and none in the first `minInterval`, so quick
/// operations show nothing) to `render`, which the client supplies (the CLI draws a line).
/// Not thread-safe: one operation, one thread.
public final class ProgressReporter {
    /// One step: `phase` (e.g. "writing"), items done, and the total when known.
    public struct Update: Sendable {
        public var phase: String
        public var done: Int
        public var total: Int?
    }

    private let render: (Update) -> Void
    private let minNanos: UInt64
    private var last: UInt64
    /// Whether `render` was called at least once.
    public private(set) var rendered = false

    /// - Parameter minInterval: seconds between two renders (default 0.1: at most ~10 per second).
    public init(minInterval: Double = 0.1, render: @escaping (Update) -> Void) {
        self.render = render
        minNanos = UInt64(max(0, minInterval) * 1e9)
        last = MonotonicClock.nanos()
    }

    /// Reports progress; rendered only when `minInterval` passed since the last render.
    public func advance(_ phase: String, done: Int, total: Int?) {
        let now = MonotonicClock.nanos()
        guard now &- last >= minNanos else { return }
        last = now
        rendered = true
        render(Update(phase: phase, done: done, total: total))
    }

    /// Seconds since the reporter was made (for a summary line such as `enqueued 100000 jobs in 1.9 s`).
    public static func seconds(since startNanos: UInt64) -> Double { Double(MonotonicClock.nanos() &- startNanos) / 1e9 }

    /// A start time for `seconds(since:)`.
    public static func start() -> UInt64 { MonotonicClock.nanos() }
}
