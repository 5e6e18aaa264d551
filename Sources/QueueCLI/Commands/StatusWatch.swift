import QueueCore

/// `status --watch`: redraws the status every interval until SIGINT/SIGTERM (exit 0). On a
/// terminal it uses the alternate screen (restored on exit) and redraws from the top; otherwise
/// it prints one plain line per interval (time and counts), with no escape sequences.
enum StatusWatch {
    static let enterScreen = "\u{1B}[?1049h\u{1B}[?25l"
    static let leaveScreen = "\u{1B}[?25h\u{1B}[?1049l"
    static let home = "\u{1B}[H\u{1B}[2J"

    /// Accepted `--interval` values in seconds.
    static let intervalRange = 0.05...3600.0

    static func run(_ ctx: Context, interval: Double) throws -> Int32 {
        try ctx.spool.create()
        let sleeper = InterruptibleSleep()
        let live = ctx.out.stream.isTerminal
        let style = Style.of(ctx)
        if live { ctx.out.write(enterScreen) }
        defer { if live { ctx.out.write(leaveScreen); ctx.out.flush() } }
        repeat {
            let config = try ctx.spool.config()
            let now = Timestamp.now()
            let report = try ctx.spool.statusReport(config: config, now: now)
            if live {
                ctx.out.write(home + frame(report, running: ctx.spool.runningJobs(), now: now, interval: interval, style: style)
                                        .joined(separator: "\n") + "\n")
            } else {
                ctx.out.line(plainLine(report, now: now))
            }
            ctx.out.flush()
        } while !ctx.out.failed && sleeper.sleep(interval)
        return ExitCode.success
    }

    /// One line for pipes: `<ISO-8601 time> pending=N processing=N ... paused=yes|no workers=N finished_1m=N`.
    static func plainLine(_ r: StatusReport, now: Timestamp) -> String {
        let counts = JobState.allCases.map { "\($0.rawValue)=\(r.counts[$0] ?? 0)" }.joined(separator: " ")
        return "\(now.iso8601) \(counts) paused=\(r.paused ? "yes" : "no") workers=\(r.aliveWorkers) finished_1m=\(r.finished.oneMinute)"
    }

    /// The screen: header, counts, throughput, workers, running jobs with elapsed time.
    static func frame(_ r: StatusReport, running: [RunningJob], now: Timestamp, interval: Double, style: Style) -> [String] {
        var out: [String] = []
        out.append(style.bold("queuectl status") + "  \(r.spool)  every \(Human.duration(interval))  \(now.iso8601)")
        if r.paused { out.append(style.red("PAUSED: workers claim nothing")) }
        out.append("")
        out.append(JobState.allCases.map { "\(style.state($0)) \(r.counts[$0] ?? 0)" }.joined(separator: "   "))
        if let age = r.pendingShape.oldestAge { out.append("oldest due pending job waiting: \(Human.duration(age))") }
        let f = r.finished
        let perMinute = Double(f.fiveMinutes) / 5
        out.append("finished: \(f.oneMinute) in 1m, \(f.fiveMinutes) in 5m, \(f.fifteenMinutes) in 15m"
                   + "  (\(Double(Int(perMinute * 10)) / 10)/min over 5m)")
        let stale = r.workers.count - r.aliveWorkers
        out.append("workers: \(r.aliveWorkers) alive" + (stale > 0 ? ", \(stale) stale or stopping" : ""))
        out.append("")
        if running.isEmpty {
            out.append(style.dim("no running jobs"))
        } else {
            var t = AlignedTable()
            t.add(["ID", "ELAPSED", "WORKER", "COMMAND"])
            for j in running {
                var cmd = j.command.replacingAll("\n", with: "\\n")
                if cmd.count > 50 { cmd = String(cmd.prefix(47)) + "..." }
                t.add([j.id.rawValue, j.startedAt == nil ? "?" : Human.duration(j.elapsed(at: now)), j.worker.rawValue, cmd])
            }
            out += t.lines { col, row, text in row == 0 ? style.bold(text) : text }
        }
        return out
    }
}
