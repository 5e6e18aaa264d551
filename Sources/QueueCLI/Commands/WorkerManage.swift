import QueueCore

/// `queuectl worker stop`: graceful stop, forced after a timeout.
struct WorkerStop: Command {
    static let name = "stop"
    static let abstract = """
        Stop workers (all, or --id ID): they claim nothing new and exit once running jobs finish.
        A stop request file (workers/<id>.stop) reaches workers on any host; local ones also get SIGTERM.
        --wait waits for them to exit; --timeout S (implies --wait) then stops them forcefully:
        running jobs are killed (TERM, then KILL) and count as failed attempts. Exit 1 if any is
        still running at the end.
        """
    static let usage = "[--id ID] [--wait] [--timeout SECONDS]"
    static let summary = "Stop workers gracefully, forcefully after a timeout"
    static let options: [OptionSpec] = [
        .value("--id", placeholder: "ID", default: "all workers", help: "stop only this worker"),
        .flag("--wait", help: "wait until they have exited"),
        .value("--timeout", placeholder: "SECONDS", help: "implies --wait; then kill running jobs and stop them forcefully"),
    ]
    static let examples = ["worker stop --wait --timeout 60"]
    var id: String?
    var wait: Bool
    var timeout: Double?

    init(_ args: inout Arguments) throws {
        id = try args.option("--id")
        timeout = try args.secondsOption("--timeout")
        wait = try args.flag("--wait") || timeout != nil
    }

    func run(_ ctx: Context) throws -> Int32 {
        let outcome = try ctx.spool.stopWorkers(id: id, wait: wait, timeout: timeout) { event in
            switch event {
            case .requested(let w): ctx.out.line("stopping \(w)")
            case .forcing(let w): ctx.out.line("timeout: stopping \(w) forcefully")
            case .allStopped: ctx.out.line("stopped")
            case .stillRunning(let w): ctx.err.line("queuectl worker stop: \(w) is still running (another host?)")
            }
            ctx.out.flush()
        }
        switch outcome {
        case .noWorkers: ctx.out.line("no workers are registered"); return ExitCode.success
        case .requested, .stopped: return ExitCode.success
        case .someStillRunning: return ExitCode.failure
        }
    }
}

/// `queuectl worker list`.
struct WorkerList: Command {
    static let name = "list"
    static let abstract = "List registered workers: alive, stopping or stale, and what each is running."
    static let usage = "[--json]"
    static let summary = "List registered workers and what each is running"
    static let options: [OptionSpec] = [.flag("--json", help: "print one JSON array")]
    static let examples = ["worker list --json"]
    var json: Bool
    init(_ args: inout Arguments) throws { json = try args.flag("--json") }

    func run(_ ctx: Context) throws -> Int32 {
        let config = try ctx.spool.config()
        let views = ctx.spool.workerStatuses(config: config)
        if json { ctx.out.line(JSONOut.render(.array(views.map(\.json)))); return ExitCode.success }
        if views.isEmpty { ctx.out.line("no workers are registered") }
        for v in views { ctx.out.line(v.line(for: ctx)) }
        return ExitCode.success
    }
}

/// `queuectl worker logs ID`.
struct WorkerLogs: Command {
    static let name = "logs"
    static let abstract = "Print the log of a background worker, running or exited (the last --lines N lines)."
    static let usage = "ID [--lines N]"
    static let summary = "Print the log of a background worker"
    static let options: [OptionSpec] = [
        .value("--lines", placeholder: "N", default: "all", help: "only the last N lines"),
    ]
    static let examples = ["worker logs myhost-1234-1764000000 --lines 50"]
    var id: String
    var lines: Int?
    init(_ args: inout Arguments) throws {
        lines = try args.intOption("--lines", in: 0...Int(Int32.max))
        guard let i = try args.positional() else { throw .usage("missing worker ID") }
        id = i
    }

    func run(_ ctx: Context) throws -> Int32 {
        let text = try ctx.spool.workerLogText(id, lines: lines)
        ctx.out.write(text)
        return ExitCode.success
    }
}
