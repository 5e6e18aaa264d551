import QueueCore

/// `queuectl list`: jobs of one state (or all), in claim order for pending/ and failed/.
struct ListCommand: Command {
    static let name = "list"
    static let abstract = "List jobs (all states, or --state STATE), in claim order for pending and failed. --archived: the archive, newest day first."
    static let usage = "[--state STATE] [--limit N] [--json] [--archived]"
    static let summary = "List jobs, in claim order for pending and failed"
    static let options: [OptionSpec] = [
        .value("--state", placeholder: "STATE", default: "all states", kind: .state, help: "only jobs in this state"),
        .value("--limit", placeholder: "N", default: "no limit", help: "at most N jobs"),
        .flag("--json", help: "print JSON lines, one object per job"),
        .flag("--archived", help: "list the archive instead, newest day first"),
    ]
    static let examples = ["list --state dead --limit 20", "list --json"]
    var state: JobState?
    var limit: Int?
    var json: Bool
    var archived: Bool

    init(_ args: inout Arguments) throws {
        state = try args.stateOption()
        limit = try args.intOption("--limit", in: 0...Int(Int32.max))
        json = try args.flag("--json")
        archived = try args.flag("--archived")
    }

    func run(_ ctx: Context) throws -> Int32 {
        try ctx.spool.create()
        if archived { ArchiveListing.print(ctx, state: state, limit: limit, json: json); return ExitCode.success }
        try Listing.print(ctx, states: state.map { [$0] } ?? JobState.allCases, limit: limit, json: json)
        return ExitCode.success
    }
}

enum Listing {
    /// Prints jobs of `states`, reading only the files it shows. `--json`: one compact JSON
    /// object per line (JSON lines), written as it goes, nothing for no jobs.
    static func print(_ ctx: Context, states: [JobState], limit: Int?, json: Bool) throws {
        var remaining = limit ?? Int.max
        let defaultMaxRetries = (try? ctx.spool.config())?.maxRetries
        let table = json ? nil : JobTableWriter(ctx, defaultMaxRetries: defaultMaxRetries)
        defer { table?.finish() }
        for state in states where remaining > 0 {
            let names = try ctx.spool.firstNames(in: state, limit: remaining)
            for name in names where remaining > 0 {
                let p = ctx.spool.path(state.directory, name)
                guard let job = try? ctx.spool.readJob(at: p) else {
                    table?.addUnreadable(name, state)
                    continue
                }
                remaining -= 1
                if let table { table.add(job) } else { ctx.out.line(JSONOut.line(JobTable.json(job))) }
            }
        }
    }
}
