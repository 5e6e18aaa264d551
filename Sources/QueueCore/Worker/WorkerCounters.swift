import QueueSystem

/// A worker's counters (`JobCounters`) on their way out of the process: published in its
/// registration at start and at every heartbeat, and folded into `stats/totals.json` as it exits.
extension Worker {
    /// The registration's `counters` entry, with the figures as of now.
    func countersStats() -> [String: JSONValue] {
        ["counters": counters.withLock { $0.json }]
    }

    /// At a clean exit: the final counters are written into the registration, folded into
    /// `stats/totals.json`, and only then is the registration removed. When the fold fails
    /// (disk full...) the registration, with its final counters, is kept (with a warning) for
    /// `queuectl recover` to fold and remove once this process is gone: removing it unfolded
    /// would make the counters go down.
    func retire(startedAt: Timestamp) {
        let final = counters.withLock { $0 }
        let now = Timestamp.now()
        var stats = throughput.withLock { $0.json(now: now) }
        stats["counters"] = final.json
        _ = try? spool.register(tag, count: options.count, background: options.background, logPath: options.logPath,
                                startedAt: startedAt, stats: stats, lease: configBox.withLock { $0.lease }, durable: false)
        do {
            try spool.foldCounters(of: tag, startedAt: startedAt.iso8601, final, now: now)
        } catch {
            emit(.warning("counters not saved: \(error); the registration is kept until `queuectl recover` folds it"))
            _ = try? FileSystem.unlinkIfExists(spool.stopRequestPath(tag))
            return
        }
        spool.deregister(tag)
    }
}
