#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// What `queuectl status` shows, as a value: counts per state, the shape of pending/, recent
/// throughput and the workers. Built by `Spool.statusReport(config:now:)`; clients render it.
public struct StatusReport: Sendable {
    /// The spool's root directory.
    public var spool: String
    /// Jobs per state; every state has an entry. `pending` includes jobs not yet due and
    /// dropped files awaiting adoption.
    public var counts: [JobState: Int]
    /// Whether the queue is paused (`Spool.isPaused`).
    public var paused: Bool
    /// The age histogram of pending/ (due jobs by age, not-yet-due jobs, the oldest due age).
    public var pendingShape: QueueShape
    /// Jobs finished in the last 1, 5 and 15 minutes by live workers (alive or stopping), as
    /// of their last heartbeats.
    public var finished: (oneMinute: Int, fiveMinutes: Int, fifteenMinutes: Int)
    /// Every registered worker with its state and claims, in id order.
    public var workers: [WorkerStatus]
    /// The filesystem the spool is on (nil when it cannot be asked).
    public var storage: SpoolStorage?

    /// Workers in state `.alive`.
    public var aliveWorkers: Int { workers.filter { $0.state == .alive }.count }
}

extension Spool {
    /// Reads the spool's state at `now`. pending/ is listed once, for its count and its age
    /// histogram together; the other states are counted by listing their directories.
    /// Creates the spool if needed.
    /// - Throws: `QueueError.spoolUnusable` when the spool cannot be created or a directory
    ///   cannot be listed.
    public func statusReport(config: Config, now: Timestamp = .now()) throws(QueueError) -> StatusReport {
        try create()
        let shape = try pendingShape(now: now)
        var counts = try self.counts(JobState.allCases.filter { $0 != .pending })
        counts[.pending] = shape.buckets.reduce(0, +) + shape.notYetDue + shape.unnamed
        for s in JobState.allCases where counts[s] == nil { counts[s] = 0 }
        let workers = workerStatuses(config: config, now: now)
        let live = workers.filter { $0.state.isLive }.map(\.record.finished)
        let finished = (live.reduce(0) { $0 + $1.oneMinute }, live.reduce(0) { $0 + $1.fiveMinutes },
                        live.reduce(0) { $0 + $1.fifteenMinutes })
        return StatusReport(spool: root, counts: counts, paused: isPaused, pendingShape: shape,
                            finished: finished, workers: workers, storage: storage(config: config))
    }
}
