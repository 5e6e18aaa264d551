import QueueCore

/// `queuectl archive`: moves old finished jobs into `archive/YYYY-MM-DD.jsonl`.
struct ArchiveCommand: Command {
    static let name = "archive"
    static let abstract = """
        Move completed and/or dead jobs that finished more than --older-than ago (e.g. 90s, 12h, 7d;
        0 archives all) into archive/YYYY-MM-DD.jsonl (one JSON line per job, by its finishing day,
        with the tail of its log), durably; their files, logs and id markers leave the spool.
        `list --archived` and `show ID` still find them. --dry-run lists what would move.
        """
    static let usage = "--older-than DURATION [--state completed|dead]... [--dry-run]"
    static let summary = "Move old finished jobs into archive/YYYY-MM-DD.jsonl"
    static let options: [OptionSpec] = [
        .value("--older-than", placeholder: "DURATION", help: "finished more than this long ago: 90s, 12h, 7d (0: all); required"),
        .value("--state", placeholder: "STATE", default: "completed and dead", kind: .state, help: "completed or dead; may be given twice"),
        .flag("--dry-run", "-n", help: "list what would move, move nothing"),
    ]
    static let examples = ["archive --older-than 30d", "archive --older-than 7d --state dead --dry-run"]
    var states: [JobState]
    var olderThan: Double
    var dryRun: Bool

    init(_ args: inout Arguments) throws {
        var chosen: [JobState] = []
        while let s = try args.stateOptionOnce() {
            guard s == .completed || s == .dead else {
                throw .usage("archive takes --state completed or dead, not \(s.rawValue)"
                    + (s == .failed ? " (a failed job still has a retry due; `dlq`/`delete` it or wait until it ends dead)" : ""))
            }
            if !chosen.contains(s) { chosen.append(s) }
        }
        states = chosen.isEmpty ? [.completed, .dead] : chosen
        guard let raw = try args.option("--older-than") else { throw .usage("archive needs --older-than DURATION (e.g. 7d)") }
        guard let seconds = Duration.parseSeconds(raw), seconds <= TimeLimits.maxSeconds else {
            throw .usage("--older-than takes a duration like 90s, 30m, 12h or 7d (at most 10 years); got '\(raw)'")
        }
        olderThan = seconds
        dryRun = try args.flag("--dry-run", "-n")
    }

    func run(_ ctx: Context) throws -> Int32 {
        try ctx.spool.create()
        let line = ProgressLine(ctx, label: "archive")
        let report = try ctx.spool.archive(states: states, olderThan: olderThan, dryRun: dryRun, onCandidate: { job in
            ctx.out.line("would archive \(job.id) (\(job.state.rawValue), finished \(job.finishedAt?.iso8601 ?? "?"))")
        }, progress: line.reporter)
        line.finish(nil)
        if dryRun {
            ctx.out.line("would archive \(report.wouldArchive) job\(report.wouldArchive == 1 ? "" : "s")")
        } else {
            if report.settled > 0 {
                ctx.out.line("settled \(report.settled) job\(report.settled == 1 ? "" : "s") an interrupted archive run had staged"
                    + " (\(report.alreadyArchived) already in the archive)")
            }
            ctx.out.line("archived \(report.archived) job\(report.archived == 1 ? "" : "s")")
        }
        return ExitCode.success
    }
}
