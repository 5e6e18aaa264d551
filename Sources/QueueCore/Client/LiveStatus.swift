import QueueSystem

/// One job in processing/, as `status --watch` shows it.
public struct RunningJob: Sendable {
    public var id: JobID
    /// The worker that claimed it (from the file name in processing/).
    public var worker: ProcessTag
    /// The command (empty when the file could not be read).
    public var command: String
    /// When its current attempt started (the job's `started_at`); nil when unreadable.
    public var startedAt: Timestamp?

    /// Seconds since `startedAt` at `now` (0 when unknown or in the future).
    public func elapsed(at now: Timestamp) -> Double {
        guard let s = startedAt else { return 0 }
        return max(0, now.secondsSinceEpoch - s.secondsSinceEpoch)
    }
}

extension Spool {
    /// The jobs in processing/ (claimed by a worker), oldest start first, at most `limit`.
    /// A file that vanishes or cannot be read while listing is shown without a start time or
    /// skipped; never throws (a live view shows what it can).
    public func runningJobs(limit: Int = 50) -> [RunningJob] {
        let names = (try? DirectoryStream.names(directory(.processing))) ?? []
        var out: [RunningJob] = []
        for name in names {
            guard let (worker, id) = JobFileName.parseProcessing(name) else { continue }
            let job = try? readJob(at: path(JobState.processing.directory, name))
            out.append(RunningJob(id: id, worker: worker, command: job?.command ?? "", startedAt: job?.startedAt))
        }
        out.sort { ($0.startedAt?.micros ?? Int64.max, $0.id.rawValue) < ($1.startedAt?.micros ?? Int64.max, $1.id.rawValue) }
        return Array(out.prefix(limit))
    }
}

extension StandardStream {
    /// Whether the stream is a terminal (`isatty`): the CLI uses colour, redraws and progress
    /// lines only then.
    public var isTerminal: Bool { Terminal.isTerminal(descriptor) }
}

/// A pause that SIGINT or SIGTERM cuts short, for a loop that redraws until interrupted
/// (`status --watch`). Installing it replaces the process's termination handling (see
/// `TerminationSignals`): a signal no longer kills the process, it ends the loop.
public final class InterruptibleSleep: @unchecked Sendable {
    private let signals = BlockingQueue<Int>()
    private let stopped = LockedValue(false)

    /// Installs the SIGINT/SIGTERM handlers (once per process).
    public init() {
        let signals = self.signals
        TerminationSignals.handle { count in signals.put(count) }
    }

    /// True once a termination signal arrived.
    public var isStopped: Bool { stopped.withLock { $0 } }

    /// Waits `seconds` (clamped to 0...3600); returns false when a signal arrived (now or before).
    public func sleep(_ seconds: Double) -> Bool {
        if isStopped { return false }
        let ms = Int((min(max(seconds, 0), 3600) * 1000).rounded())
        if signals.take(timeoutMilliseconds: ms) != nil {
            stopped.withLock { $0 = true }
            return false
        }
        return true
    }
}
