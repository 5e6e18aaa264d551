import QueueCore

/// `queuectl status`: counts per state and the workers.
struct StatusCommand: Command {
    static let name = "status"
    static let abstract = "Show how many jobs are in each state and which workers are alive."
    static let usage = "[--json] [--watch [--interval SECONDS]]"
    static let summary = "Show how many jobs are in each state and which workers are alive"
    static let options: [OptionSpec] = [.flag("--json", help: "print one JSON object"),
        .flag("-w", "--watch", help: "redraw every interval until interrupted (plain lines when not a terminal)"),
        .value("--interval", placeholder: "SECONDS", default: "1", help: "seconds between redraws with --watch (0.05...3600)")]
    static let examples = ["status", "status --json", "status --watch --interval 2"]
    var json: Bool
    var watch = false
    var interval = 1.0

    init(_ args: inout Arguments) throws {
        json = try args.flag("--json")
        watch = try args.flag("--watch", "-w")
        if let s = try args.option("--interval") {
            guard let v = Double(s), StatusWatch.intervalRange.contains(v) else {
                throw .usage("--interval must be a number of seconds in 0.05...3600, not '\(s)'")
            }
            guard watch else { throw .usage("--interval needs --watch") }
            interval = v
        }
        if watch && json { throw .usage("--watch and --json cannot be combined (use status --json in a loop)") }
    }

    func run(_ ctx: Context) throws -> Int32 {
        if watch { return try StatusWatch.run(ctx, interval: interval) }
        try ctx.spool.create()
        let config = try ctx.spool.config()
        let report = try ctx.spool.statusReport(config: config)
        let counts = report.counts, shape = report.pendingShape, rate = report.finished
        if json {
            var o: [String: JSONValue] = [:]
            for s in JobState.allCases { o[s.rawValue] = .int(Int64(counts[s] ?? 0)) }
            var histogram: [JSONValue] = []
            for (i, n) in shape.buckets.enumerated() {
                histogram.append(.object(["age": .string(QueueShape.bucketLabel(i)), "count": .int(Int64(n))]))
            }
            ctx.out.line(JSONOut.render(.object([
                "spool": .string(report.spool), "counts": .object(o), "paused": .bool(report.paused),
                "oldest_pending_age_seconds": shape.oldestAge.map { .double(($0 * 1000).rounded() / 1000) } ?? .null,
                "pending_not_yet_due": .int(Int64(shape.notYetDue)),
                "pending_age_histogram": .array(histogram),
                "finished_last_1m": .int(Int64(rate.oneMinute)), "finished_last_5m": .int(Int64(rate.fiveMinutes)),
                "finished_last_15m": .int(Int64(rate.fifteenMinutes)),
                "workers": .array(report.workers.map(\.json)),
                "storage": report.storage.map { st in .object([
                    "filesystem": .string(st.filesystem), "shared": .bool(st.shared), "atomic_renames": st.atomicRenames.map { .bool($0) } ?? .null,
                    "other_hosts_pickup_seconds": st.otherHostsPickup.map { .double($0) } ?? .null,
                ]) } ?? .null,
            ])))
            return ExitCode.success
        }
        ctx.out.line("spool: \(report.spool)\(report.paused ? "  (paused: workers claim nothing)" : "")")
        let style = Style.of(ctx)
        for s in JobState.allCases { ctx.out.line("\(style.state(s, s.rawValue.padding(12)))\(counts[s] ?? 0)") }
        if let age = shape.oldestAge {
            ctx.out.line("oldest due pending job waiting: \(StatusCommand.formatAge(age))")
        }
        if (counts[.pending] ?? 0) > 0 {
            let cells = shape.buckets.enumerated().map { "\(QueueShape.bucketLabel($0.offset)):\($0.element)" }
            ctx.out.line("pending by age: " + cells.joined(separator: " ") + "  not yet due:\(shape.notYetDue)")
        }
        ctx.out.line("finished (live workers): \(rate.oneMinute) in 1m, \(rate.fiveMinutes) in 5m, \(rate.fifteenMinutes) in 15m")
        let alive = report.aliveWorkers
        let workers = report.workers
        ctx.out.line("workers: \(alive) alive" + (workers.count > alive ? ", \(workers.count - alive) stale or stopping" : ""))
        for w in workers { ctx.out.line("  " + w.line(for: ctx)) }
        if let st = report.storage { ctx.out.line(StatusCommand.describe(st)) }
        return ExitCode.success
    }
}

/// How a worker is shown: its state (a dead worker shows as `stale` until recovery removes
/// its registration) and what it runs.
extension WorkerStatus {
    var label: String {
        switch state {
        case .alive: return "alive"
        case .stopping: return "stopping"
        case .stale, .dead: return "stale"
        }
    }

    var line: String {
        "\(record.id)  \(label)  pid \(record.id.pid)  slots \(record.count)  since \(record.startedAt.iso8601)  running: "
            + (running.isEmpty ? "-" : running.map(\.rawValue).joined(separator: ","))
    }

    /// `line` for `ctx`'s stdout: on a terminal the label in colour and the start as an age
    /// (`since 3m ago`); otherwise exactly `line`.
    func line(for ctx: Context) -> String {
        guard ctx.out.stream.isTerminal else { return line }
        let style = Style.of(ctx)
        let painted = state == .alive ? style.paint(label, "32") : state == .stopping ? style.paint(label, "33") : style.red(label)
        return "\(record.id)  \(painted)  pid \(record.id.pid)  slots \(record.count)  since \(Human.age(record.startedAt, now: .now()))  running: "
            + (running.isEmpty ? "-" : running.map(\.rawValue).joined(separator: ","))
    }

    var json: JSONValue {
        .object(["id": .string(record.id.rawValue), "host": .string(record.id.host), "pid": .int(Int64(record.id.pid)),
                 "status": .string(label), "count": .int(Int64(record.count)), "started_at": .string(record.startedAt.iso8601),
                 "heartbeat_at": .string(record.heartbeat.iso8601), "background": .bool(record.background),
                 "running": .array(running.map { .string($0.rawValue) })])
    }
}

extension StatusCommand {
    /// `storage: fuse.glusterfs (shared: ...)` or `storage: ext4 (local)`.
    static func describe(_ st: SpoolStorage) -> String {
        var parts: [String] = []
        if let pickup = st.otherHostsPickup {
            parts.append("shared: no inotify for other hosts' changes, polled every \(Config.format(pickup)) s (poll_interval)")
        } else {
            parts.append("local")
        }
        if st.atomicRenames == false { parts.append("no RENAME_EXCHANGE: moves fenced by plain renames") }
        return "storage: \(st.filesystem) (\(parts.joined(separator: "; ")))"
    }

    static func formatAge(_ s: Double) -> String {
        if s < 1 { return "\(Int(s * 1000)) ms" }
        if s < 120 { return "\(Int(s)) s" }
        if s < 7200 { return "\(Int(s / 60)) min" }
        if s < 172_800 { return "\(Int(s / 3600)) h" }
        return "\(Int(s / 86400)) d"
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
