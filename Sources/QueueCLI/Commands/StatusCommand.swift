import QueueCore

/// `queuectl status`: counts per state and the workers.
struct StatusCommand: Command {
    static let name = "status"
    static let abstract = "Show how many jobs are in each state and which workers are alive."
    static let usage = "[--json]"
    var json: Bool

    init(_ args: inout Arguments) throws(QueueError) { json = try args.flag("--json") }

    func run(_ ctx: Context) throws(QueueError) -> Int32 {
        try ctx.spool.create()
        let counts = try ctx.spool.counts()
        let config = try ctx.spool.config()
        let workers = ctx.spool.workers().map { WorkerView($0, spool: ctx.spool, config: config) }
        let paused = (try? FileStatus.of(ctx.spool.pausedFlagPath)) != nil
        if json {
            var o: [String: JSONValue] = [:]
            for s in JobState.allCases { o[s.rawValue] = .int(Int64(counts[s] ?? 0)) }
            ctx.out.line(JSONOut.render(.object([
                "spool": .string(ctx.spool.root), "counts": .object(o), "paused": .bool(paused),
                "workers": .array(workers.map(\.json)),
            ])))
            return ExitCode.success
        }
        ctx.out.line("spool: \(ctx.spool.root)\(paused ? "  (paused: workers claim nothing)" : "")")
        for s in JobState.allCases { ctx.out.line("\(s.rawValue.padding(12))\(counts[s] ?? 0)") }
        let alive = workers.filter { $0.status == "alive" }.count
        ctx.out.line("workers: \(alive) alive" + (workers.count > alive ? ", \(workers.count - alive) stale or stopping" : ""))
        for w in workers { ctx.out.line("  " + w.line) }
        return ExitCode.success
    }
}

/// A worker as the admin sees it: alive, stopping or stale, and what it runs.
struct WorkerView {
    var record: WorkerRecord
    var status: String
    var running: [JobID]

    init(_ r: WorkerRecord, spool: Spool, config: Config) {
        record = r
        running = spool.claims(of: r.id)
        let age = Timestamp.now().secondsSinceEpoch - r.heartbeat.secondsSinceEpoch
        if r.id.isDeadOnThisHost || age > config.lease { status = "stale" }
        else if r.stopRequested { status = "stopping" }
        else { status = "alive" }
    }

    var line: String {
        "\(record.id)  \(status)  pid \(record.id.pid)  slots \(record.count)  since \(record.startedAt.iso8601)  running: "
            + (running.isEmpty ? "-" : running.map(\.rawValue).joined(separator: ","))
    }

    var json: JSONValue {
        .object(["id": .string(record.id.rawValue), "host": .string(record.id.host), "pid": .int(Int64(record.id.pid)),
                 "status": .string(status), "count": .int(Int64(record.count)), "started_at": .string(record.startedAt.iso8601),
                 "heartbeat_at": .string(record.heartbeat.iso8601), "background": .bool(record.background),
                 "running": .array(running.map { .string($0.rawValue) })])
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
