#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// A registered worker's state as every client sees it, derived from the one liveness rule
/// (`Spool.deathReason(of:config:now:)`) plus the worker's heartbeat and stop request.
public enum WorkerState: String, Sendable, Equatable, CaseIterable {
    /// Alive, heartbeat within the lease, not asked to stop.
    case alive
    /// Alive and asked to stop (a stop request file exists): claims nothing new.
    case stopping
    /// Not provably gone, but its heartbeat is older than `lease` (a stopped or very busy
    /// worker on this host, or one on another host within the lease it announced).
    case stale
    /// Gone: dead on this host, or on another host past its lease (`deathReason` is non-nil).
    case dead

    /// Alive or stopping: it still runs jobs and its finished-job counts are current.
    public var isLive: Bool { self == .alive || self == .stopping }
}

/// A registered worker with its state and the jobs it holds.
public struct WorkerStatus: Sendable {
    public var record: WorkerRecord
    public var state: WorkerState
    /// Its claims in processing/.
    public var running: [JobID]
}

extension Spool {
    /// The state of `worker` at `now`. `.dead` exactly when `deathReason(of:)` says so;
    /// otherwise `.stale` when its heartbeat is older than `config.lease`, `.stopping` when a
    /// stop was requested, else `.alive`.
    public func state(of worker: WorkerRecord, config: Config, now: Timestamp = .now()) -> WorkerState {
        if deathReason(of: worker.id, config: config, now: now) != nil { return .dead }
        let age = now.secondsSinceEpoch - worker.heartbeat.secondsSinceEpoch
        if age > config.lease { return .stale }
        return worker.stopRequested ? .stopping : .alive
    }

    /// Every registered worker (in id order) with its state and its claims.
    public func workerStatuses(config: Config, now: Timestamp = .now()) -> [WorkerStatus] {
        workers().map { WorkerStatus(record: $0, state: state(of: $0, config: config, now: now), running: claims(of: $0.id)) }
    }

    /// Whether `worker` has not yet exited: on this host its process (pid and start time) is
    /// alive; on another host it is not past its lease (see `deathReason`).
    public func isRunning(_ worker: ProcessTag, config: Config, now: Timestamp = .now()) -> Bool {
        deathReason(of: worker, config: config, now: now) == nil
    }
}
