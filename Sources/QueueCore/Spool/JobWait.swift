#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Waiting for jobs to finish (`queuectl wait`).
extension Spool {
    /// How a waited-for job ended.
    public enum WaitOutcome: Sendable, Equatable {
        case completed
        case dead
        /// No such job (neither its id marker nor a file in any state).
        case notFound
        /// The timeout passed while it had not finished.
        case timedOut
    }

    /// Blocks until every job in `ids` completed, ended dead or turned out not to exist, or
    /// until `timeout` seconds passed. completed/ and dead/ are looked up by name (no scan),
    /// re-checked when inotify reports a name arriving there, or at least every 200 ms.
    /// - Parameter finished: called once per job as soon as its outcome is known (not for
    ///   jobs that time out), in the order found.
    /// - Returns: the outcome per id (each id once; `.timedOut` for those still unfinished).
    /// - Throws: `QueueError.spoolUnusable` when a state directory cannot be listed.
    public func waitForJobs(ids: [JobID], timeout: Double?,
                            finished: (JobID, WaitOutcome) -> Void = { _, _ in }) throws(QueueError) -> [JobID: WaitOutcome] {
        let deadline = timeout.map { MonotonicClock.deadline(after: $0) }
        var outcomes: [JobID: WaitOutcome] = [:]
        var pending = ids
        let watch = DirectoryWatch()
        watch.add(directory(.completed))
        watch.add(directory(.dead))
        while true {
            var still: [JobID] = []
            for id in pending {
                let outcome: WaitOutcome
                if (try? FileStatus.of(path("completed", JobFileName.plain(id)))) != nil {
                    outcome = .completed
                } else if (try? FileStatus.of(path("dead", JobFileName.plain(id)))) != nil {
                    outcome = .dead
                } else if (try? FileStatus.of(markerPath(id))) == nil, try locate(id) == nil {
                    outcome = .notFound
                } else {
                    still.append(id); continue
                }
                outcomes[id] = outcome
                finished(id, outcome)
            }
            pending = still
            if pending.isEmpty { return outcomes }
            var waitMs: Int32 = 200
            if let deadline {
                let now = MonotonicClock.nanos()
                if now >= deadline {
                    for id in pending { outcomes[id] = .timedOut }
                    return outcomes
                }
                waitMs = Int32(min(200, (deadline - now) / 1_000_000 + 1))
            }
            ProcessControl.waitForChange(watch, milliseconds: waitMs)
        }
    }
}
