#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Stopping workers from outside (`queuectl worker stop`) and reading a worker's log.
///
/// Stop → escalate → recover: a stop request file (`workers/<id>.stop`) reaches a worker on
/// any host, and one on this host also gets SIGTERM; both make it claim nothing new and exit
/// once its running jobs finish. After the timeout a worker still running on this host gets a
/// second SIGTERM (which kills its running jobs: failed attempts), and after `kill_grace` + 2 s
/// more, SIGKILL; then recovery takes its claims back. A worker on another host cannot be
/// signalled: it is reported as still running.
extension Spool {
    /// Progress of `stopWorkers`, in order.
    public enum StopEvent: Sendable, Equatable {
        /// A stop was requested from this worker (stop file, and SIGTERM on this host).
        case requested(ProcessTag)
        /// The timeout passed: this worker is being stopped forcefully.
        case forcing(ProcessTag)
        /// Every targeted worker has exited.
        case allStopped
        /// This worker still runs after SIGKILL and recovery (it runs on another host, say).
        case stillRunning(ProcessTag)
    }

    /// How `stopWorkers` ended.
    public enum StopOutcome: Sendable, Equatable {
        /// No worker is registered (with `id`: never, `notFound` is thrown instead).
        case noWorkers
        /// Stops were requested; not waited for.
        case requested
        /// Every targeted worker exited.
        case stopped
        /// Some workers still run (each reported as `.stillRunning`).
        case someStillRunning
    }

    /// Stops all registered workers, or the one whose id is `id`.
    /// - Parameters:
    ///   - wait: wait until they exited (implied by `timeout`).
    ///   - timeout: seconds after which the remaining workers are stopped forcefully (see the
    ///     type's comment); nil waits without end.
    ///   - progress: called with each event, on the calling thread.
    /// - Throws: `QueueError.notFound` when `id` names no registered worker.
    public func stopWorkers(id: String? = nil, wait: Bool, timeout: Double?,
                            progress: (StopEvent) -> Void) throws(QueueError) -> StopOutcome {
        var targets = workers()
        if let id {
            targets = targets.filter { $0.id.rawValue == id }
            if targets.isEmpty { throw .notFound("no such worker: \(id)") }
        }
        if targets.isEmpty { return .noWorkers }
        for w in targets {
            _ = try? FileSystem.createExclusive(stopRequestPath(w.id))
            if w.id.isOnThisHost && !w.id.isDeadOnThisHost { ProcessControl.signal(w.id.pid, SIGTERM) }
            progress(.requested(w.id))
        }
        guard wait || timeout != nil else { return .requested }
        let config = (try? self.config()) ?? Config()
        var deadline = timeout.map { MonotonicClock.deadline(after: $0) }
        var forced = false
        while true {
            let alive = targets.filter { isRunning($0.id, config: config) }
            if alive.isEmpty {
                progress(.allStopped)
                return .stopped
            }
            if let d = deadline, MonotonicClock.nanos() >= d {
                if forced {
                    // Still alive after the force grace: SIGKILL; recovery takes its jobs back.
                    for w in alive where w.id.isOnThisHost { ProcessControl.signal(w.id.pid, SIGKILL) }
                    ProcessControl.sleep(seconds: 0.1)
                    _ = recoverOrphans(config: (try? self.config()) ?? Config())
                    _ = recoverGroupSlots(config: (try? self.config()) ?? Config())
                    let left = alive.filter { isRunning($0.id, config: config) }
                    for w in left { progress(.stillRunning(w.id)) }
                    return left.isEmpty ? .stopped : .someStillRunning
                }
                forced = true
                for w in alive {
                    progress(.forcing(w.id))
                    if w.id.isOnThisHost { ProcessControl.signal(w.id.pid, SIGTERM) }  // the second signal kills its jobs
                }
                deadline = MonotonicClock.deadline(after: config.killGrace + 2)
            }
            ProcessControl.sleep(seconds: 0.02)
        }
    }

    /// The log of worker `id`, running or exited: the whole text, or its last `lines` lines.
    /// While the worker is registered its registration names the log; after it exited the
    /// log is found by its id (`findWorkerLog`).
    /// - Throws: `QueueError.conflict` for a registered foreground worker (it has no log),
    ///   `.notFound` when there is neither such a worker nor a log of it, `.system` when the
    ///   log cannot be read (at most 256 MiB are read).
    public func workerLogText(_ id: String, lines: Int? = nil) throws(QueueError) -> String {
        let registered = workers().first(where: { $0.id.rawValue == id })
        let path: String
        if let p = registered?.logPath ?? findWorkerLog(id) {
            path = p
        } else if registered != nil {
            throw .conflict("worker \(id) runs in the foreground; its output goes to its terminal")
        } else {
            throw .notFound("no such worker and no log of it: \(id)")
        }
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 256 << 20) ?? [] } catch { throw .system(error) }
        var text = String(decoding: bytes, as: UTF8.self)
        if let lines {
            let all = text.split(separator: "\n", omittingEmptySubsequences: false)
            let body = all.last == "" ? all.dropLast() : all[...]
            text = body.suffix(lines).joined(separator: "\n") + (lines > 0 && !body.isEmpty ? "\n" : "")
        }
        return text
    }
}
