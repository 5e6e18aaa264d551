import Synchronization
import QueueCore

/// `queuectl worker start`: runs a worker in the foreground (or detached with --background).
struct WorkerStart: Command {
    static let name = "start"
    static let abstract = """
        Run a worker that runs up to --count jobs at a time. In the foreground it prints a line when
        a job starts and ends, and on SIGINT/SIGTERM claims nothing new, lets running jobs finish
        and exits 0 (a second signal kills the running jobs). --background detaches it (new session,
        output to workers/<worker-id>.log in the spool, kept after it exits; see worker logs) and
        prints its worker id.
        --exit-when-idle stops it once nothing runs, nothing is due now and no failed job waits for
        its retry (jobs delayed to later, and dropped files not yet adoptable, do not keep it).
        """
    static let usage = "[--count N] [--background] [--exit-when-idle]"
    static let summary = "Run a worker (in the foreground, or detached with --background)"
    static let options: [OptionSpec] = [
        .value("--count", placeholder: "N", default: "1", help: "jobs run at once, 1...1024"),
        .flag("--background", "-d", help: "detach; output to workers/<worker-id>.log; print the worker id"),
        .flag("--exit-when-idle", help: "exit once nothing runs, nothing is due and no retry waits"),
    ]
    static let examples = ["worker start --count 4 --background", "worker start --exit-when-idle"]
    var count: Int
    var background: Bool
    var exitWhenIdle: Bool

    init(_ args: inout Arguments) throws {
        count = try args.intOption("--count", in: 1...1024) ?? 1
        background = try args.flag("--background", "-d")
        exitWhenIdle = try args.flag("--exit-when-idle")
    }

    func run(_ ctx: Context) throws -> Int32 {
        if background { return try detach(ctx) }
        var options = Worker.Options()
        options.count = count
        options.exitWhenIdle = exitWhenIdle
        options.background = ctx.environment["QUEUECTL_BACKGROUND_LOG"] != nil
        // A background worker's log was opened under a temporary name: give it the worker's id.
        options.logPath = ctx.environment["QUEUECTL_BACKGROUND_LOG"].map { ctx.spool.takeOverWorkerLog($0, for: .current) }
        let out = ctx.out
        let lock = Mutex<Void>(())
        let worker = Worker(spool: ctx.spool, options: options) { event in
            guard let text = WorkerStart.describe(event) else { return }
            lock.withLock { _ in out.line("\(Timestamp.now().iso8601) \(text)"); out.flush() }
        }
        // Signals are the command line's business: the first SIGTERM/SIGINT stops the worker
        // gracefully, a second one forcefully.
        TerminationSignals.handle { signals in worker.stop(force: signals >= 2) }
        try worker.run()
        return ExitCode.success
    }

    static func describe(_ event: Worker.Event) -> String? {
        switch event {
        case .started(let tag, let count): return "worker \(tag) started (pid \(tag.pid), \(count) slot\(count == 1 ? "" : "s"))"
        case .jobStarted(let job):
            return "start \(job.id) attempt \(job.attempts): \(job.command.replacingAll("\n", with: "\\n"))"
        case .jobEnded(let job, let seconds, let lost):
            let ms = Int(TimeLimits.clampedSeconds(seconds) * 1000)
            if lost { return "end \(job.id) lost: \(job.lastError ?? "") (\(ms) ms)" }
            switch job.state {
            case .completed: return "end \(job.id) completed exit 0 (\(ms) ms)"
            case .failed: return "end \(job.id) failed: \(job.lastError ?? ""); retry at \(job.runAt.iso8601) (\(ms) ms)"
            default: return "end \(job.id) dead: \(job.lastError ?? "") (\(ms) ms)"
            }
        case .recovered(let a): return "recovered \(a)"
        case .adopted(let name, let result):
            return "dropped file \(JobID.escapingControls(name)): \(String(describing: result).replacingAll("\n", with: "\\n"))"
        case .dependencyResolved(let id, let state):
            return state == .pending ? "ready \(id): its dependencies completed" : "dead \(id): a dependency ended dead or no longer exists"
        case .groupSlotReleased(let slot): return "released group slot \(slot)"
        case .purged(let n): return "purged \(n) finished job\(n == 1 ? "" : "s")"
        case .warning(let w): return "warning: \(w)"
        case .stopping(let force):
            return force ? "stopping now: killing running jobs" : "stopping: claiming nothing new, letting running jobs finish"
        case .stopped: return "worker stopped"
        }
    }

    /// Starts `queuectl worker start` again in a new session with output to the spool, and waits
    /// until it has registered; prints its id.
    private func detach(_ ctx: Context) throws -> Int32 {
        var args = ["--spool", ctx.spool.root, "worker", "start", "--count", String(count)]
        if exitWhenIdle { args.append("--exit-when-idle") }
        let id = try ctx.spool.spawnBackgroundWorker(arguments: args, environment: ctx.environment)
        ctx.out.line(id.rawValue)
        return ExitCode.success
    }
}
