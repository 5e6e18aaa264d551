import QueueCore

/// `queuectl purge`: retention for finished jobs.
struct PurgeCommand: Command {
    static let name = "purge"
    static let abstract = """
        Remove completed and/or dead jobs (with their logs) that finished more than --older-than ago
        (e.g. 90s, 30m, 12h, 7d; 0 removes all). Prints how many it removed. --state may be given twice.
        """
    static let usage = "--older-than DURATION [--state completed|dead]..."
    static let summary = "Remove finished jobs older than a given age"
    static let options: [OptionSpec] = [
        .value("--older-than", placeholder: "DURATION", help: "finished more than this long ago: 90s, 30m, 12h, 7d (0: all); required"),
        .value("--state", placeholder: "STATE", default: "completed and dead", kind: .state, help: "completed or dead; may be given twice"),
    ]
    static let examples = ["purge --older-than 7d --state completed"]
    var states: [JobState]
    var olderThan: Double

    init(_ args: inout Arguments) throws {
        var chosen: [JobState] = []
        while let s = try args.stateOptionOnce() {
            guard s == .completed || s == .dead else { throw .usage("purge takes --state completed or dead, not \(s.rawValue)") }
            chosen.append(s)
        }
        states = chosen.isEmpty ? [.completed, .dead] : chosen
        guard let raw = try args.option("--older-than") else { throw .usage("purge needs --older-than DURATION (e.g. 7d)") }
        guard let seconds = Duration.parseSeconds(raw) else { throw .usage("--older-than takes a duration like 90s, 30m, 12h or 7d; got '\(raw)'") }
        olderThan = seconds
    }

    func run(_ ctx: Context) throws -> Int32 {
        try ctx.spool.create()
        let line = ProgressLine(ctx, label: "purge")
        let n = try ctx.spool.purge(states: states, olderThan: olderThan, progress: line.reporter)
        line.finish(nil)
        ctx.out.line("purged \(n) job\(n == 1 ? "" : "s")")
        return ExitCode.success
    }
}

extension Arguments {
    /// Takes the first `--state` occurrence only (for options that may repeat).
    mutating func stateOptionOnce() throws -> JobState? {
        guard let s = try firstOption("--state") else { return nil }
        guard let st = JobState(rawValue: s) else { throw .usage("unknown state '\(s)'") }
        return st
    }
}
