import Synchronization
import QueueCore

/// `queuectl events`: the event log (one line per job transition).
struct EventsCommand: Command {
    static let name = "events"
    static let abstract = """
        Print the event log: one line per job transition (rotated files first). --json prints the raw
        JSON lines; --lines N only the last N; --follow keeps printing new lines (across rotations)
        until SIGINT/SIGTERM (or until its output is closed).
        """
    static let usage = "[--follow] [--json] [--lines N]"
    static let summary = "Print the event log, one line per job transition"
    static let options: [OptionSpec] = [
        .flag("--follow", "-f", help: "keep printing new lines until SIGINT/SIGTERM"),
        .flag("--json", help: "print the raw JSON lines"),
        .value("--lines", placeholder: "N", default: "all", help: "only the last N lines"),
    ]
    static let examples = ["events --lines 50 --follow"]
    var follow: Bool
    var json: Bool
    var lines: Int?

    init(_ args: inout Arguments) throws {
        follow = try args.flag("--follow", "-f")
        json = try args.flag("--json")
        lines = try args.intOption("--lines", in: 0...Int(Int32.max))
    }

    func run(_ ctx: Context) throws -> Int32 {
        try ctx.spool.create()
        let stop = Atomic<Bool>(false)
        if follow { TerminationSignals.handle { _ in stop.store(true, ordering: .relaxed) } }
        let poll = min(max((try? ctx.spool.config())?.pollInterval ?? 0.1, 0.02), 0.25)
        EventLogReader.read(ctx.spool, lastLines: lines ?? (follow ? 10 : nil), follow: follow, pollInterval: poll,
                            shouldStop: { stop.load(ordering: .relaxed) || EventLogReader.standardOutputClosed() }) { batch in
            for line in batch { ctx.out.line(json ? line : EventsCommand.human(line)) }
            ctx.out.flush()
        }
        return ExitCode.success
    }

    /// `TIME JOB FROM -> TO attempt N [worker W] [by HOST pid P]: REASON`; a line that is not an
    /// event is printed as it is.
    static func human(_ line: String) -> String {
        guard case .object(let o)? = try? JSONCoding.decode(Array(line.utf8)),
              let time = o["time"]?.stringValue, let job = o["job"]?.stringValue, let to = o["to"]?.stringValue else { return line }
        var s = "\(time) \(job) \(o["from"]?.stringValue ?? "new") -> \(to)"
        if let a = o["attempt"]?.intValue { s += " attempt \(a)" }
        if let w = o["worker"]?.stringValue { s += " worker \(w)" }
        if let h = o["host"]?.stringValue { s += " by \(h)" + (o["pid"]?.intValue.map { " pid \($0)" } ?? "") }
        if let r = o["reason"]?.stringValue { s += ": \(r)" }
        return s
    }
}
