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
    var id: String?
    var wait: Bool
    var timeout: Double?

    init(_ args: inout Arguments) throws {
        id = try args.option("--id")
        timeout = try args.secondsOption("--timeout")
        wait = try args.flag("--wait") || timeout != nil
    }

    func run(_ ctx: Context) throws -> Int32 {
        var targets = ctx.spool.workers()
        if let id {
            targets = targets.filter { $0.id.rawValue == id }
            if targets.isEmpty { throw QueueError.notFound("no such worker: \(id)") }
        }
        if targets.isEmpty { ctx.out.line("no workers are registered"); return ExitCode.success }
        for w in targets {
            _ = try? FileSystem.createExclusive(ctx.spool.stopRequestPath(w.id))
            if w.id.isOnThisHost && !w.id.isDeadOnThisHost { kill(w.id.pid, SIGTERM) }
            ctx.out.line("stopping \(w.id)")
        }
        ctx.out.flush()
        guard wait else { return ExitCode.success }
        let grace = (try? ctx.spool.config().killGrace) ?? 5
        var deadline = timeout.map { MonotonicClock.deadline(after: $0) }
        var forced = false
        while true {
            let alive = targets.filter { isRunning($0.id, ctx.spool) }
            if alive.isEmpty {
                ctx.out.line("stopped")
                return ExitCode.success
            }
            if let d = deadline, MonotonicClock.nanos() >= d {
                if forced {
                    // Still alive after the force grace: SIGKILL; recovery takes its jobs back.
                    for w in alive where w.id.isOnThisHost { kill(w.id.pid, SIGKILL) }
                    usleep(100_000)
                    _ = ctx.spool.recoverOrphans(config: (try? ctx.spool.config()) ?? Config())
                    let left = alive.filter { isRunning($0.id, ctx.spool) }
                    for w in left { ctx.err.line("queuectl worker stop: \(w.id) is still running (another host?)") }
                    return left.isEmpty ? ExitCode.success : ExitCode.failure
                }
                forced = true
                for w in alive {
                    ctx.out.line("timeout: stopping \(w.id) forcefully")
                    if w.id.isOnThisHost { kill(w.id.pid, SIGTERM) }  // the second signal kills its jobs
                }
                ctx.out.flush()
                deadline = MonotonicClock.deadline(after: grace + 2)
            }
            usleep(20_000)
        }
    }

    private func isRunning(_ tag: ProcessTag, _ spool: Spool) -> Bool {
        if tag.isOnThisHost { return !tag.isDeadOnThisHost }
        return (try? FileStatus.of(spool.registrationPath(tag))) != nil
    }
}

/// `queuectl worker list`.
struct WorkerList: Command {
    static let name = "list"
    static let abstract = "List registered workers: alive, stopping or stale, and what each is running."
    static let usage = "[--json]"
    var json: Bool
    init(_ args: inout Arguments) throws { json = try args.flag("--json") }

    func run(_ ctx: Context) throws -> Int32 {
        let config = try ctx.spool.config()
        let views = ctx.spool.workers().map { WorkerView($0, spool: ctx.spool, config: config) }
        if json { ctx.out.line(JSONOut.render(.array(views.map(\.json)))); return ExitCode.success }
        if views.isEmpty { ctx.out.line("no workers are registered") }
        for v in views { ctx.out.line(v.line) }
        return ExitCode.success
    }
}

/// `queuectl worker logs ID`.
struct WorkerLogs: Command {
    static let name = "logs"
    static let abstract = "Print the log of a background worker, running or exited (the last --lines N lines)."
    static let usage = "ID [--lines N]"
    var id: String
    var lines: Int?
    init(_ args: inout Arguments) throws {
        lines = try args.intOption("--lines", in: 0...Int(Int32.max))
        guard let i = try args.positional() else { throw .usage("missing worker ID") }
        id = i
    }

    func run(_ ctx: Context) throws -> Int32 {
        // The registration names the log while the worker runs; after it exited, the log is found by its id.
        let registered = ctx.spool.workers().first(where: { $0.id.rawValue == id })
        let path: String
        if let p = registered?.logPath ?? ctx.spool.findWorkerLog(id) {
            path = p
        } else if registered != nil {
            throw QueueError.conflict("worker \(id) runs in the foreground; its output goes to its terminal")
        } else {
            throw QueueError.notFound("no such worker and no log of it: \(id)")
        }
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 256 << 20) ?? [] } catch { throw QueueError.system(error) }
        var text = String(decoding: bytes, as: UTF8.self)
        if let lines {
            let all = text.split(separator: "\n", omittingEmptySubsequences: false)
            let body = all.last == "" ? all.dropLast() : all[...]
            text = body.suffix(lines).joined(separator: "\n") + (lines > 0 && !body.isEmpty ? "\n" : "")
        }
        ctx.out.write(text)
        return ExitCode.success
    }
}
