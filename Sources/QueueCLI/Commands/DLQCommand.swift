import QueueCore

/// `queuectl dlq list|retry|delete`: the dead letter queue (dead/).
struct DLQCommand: Command {
    static let name = "dlq"
    static let abstract = "The dead letter queue: jobs that used up their retries.\n  list, retry ID... | --all, delete ID... | --all"
    static let usage = "(list | retry ID...|--all | delete ID...|--all)"
    static let summary = "The dead letter queue: list, retry or delete dead jobs"
    static let examples = ["dlq list", "dlq retry --all"]
    static var subcommands: [any Command.Type] { [List.self, Retry.self, Delete.self] }
    init(_ args: inout Arguments) throws {}
    func run(_ ctx: Context) throws -> Int32 { ExitCode.usage }

    struct List: Command {
        static let name = "list"
        static let abstract = "List dead jobs."
        static let usage = "[--limit N] [--json]"
    static let summary = "List dead jobs"
    static let options: [OptionSpec] = [
        .value("--limit", placeholder: "N", default: "no limit", help: "at most N jobs"),
        .flag("--json", help: "print JSON lines, one object per job"),
    ]
    static let examples = ["dlq list --limit 20"]
        var limit: Int?
        var json: Bool
        init(_ args: inout Arguments) throws {
            limit = try args.intOption("--limit", in: 0...Int(Int32.max))
            json = try args.flag("--json")
        }
        func run(_ ctx: Context) throws -> Int32 {
            try ctx.spool.create()
            try Listing.print(ctx, states: [.dead], limit: limit, json: json)
            return ExitCode.success
        }
    }

    /// The ids named, or every dead job with --all.
    static func targets(_ args: inout Arguments) throws -> [JobID]? {
        let all = try args.flag("--all")
        let ids = try args.rest()
        if all && !ids.isEmpty { throw .usage("give job ids or --all, not both") }
        if all { return nil }
        if ids.isEmpty { throw .usage("missing job ID (or --all)") }
        var out: [JobID] = []
        for raw in ids { out.append(try JobID(raw)) }
        return out
    }

    /// The ids named, or every dead job's id when none were (`--all`).
    static func resolve(_ ids: [JobID]?, _ spool: Spool) throws -> [JobID] {
        if let ids { return ids }
        return try spool.firstNames(in: .dead, limit: Int.max).compactMap { JobFileName.parsePlain($0) }
    }

    struct Retry: Command {
        static let name = "retry"
        static let abstract = "Move dead jobs back to pending with attempts reset to 0."
        static let usage = "ID... | --all"
    static let summary = "Move dead jobs back to pending with attempts reset to 0"
    static let options: [OptionSpec] = [.flag("--all", help: "every dead job")]
    static let arguments: ValueKind = .jobID
    static let examples = ["dlq retry job1", "dlq retry --all"]
        var ids: [JobID]?
        init(_ args: inout Arguments) throws { ids = try DLQCommand.targets(&args) }
        func run(_ ctx: Context) throws -> Int32 {
            let targets = try DLQCommand.resolve(ids, ctx.spool)
            // --all: a progress line on a terminal's stderr and a summary on stderr always.
            let line = ids == nil ? ProgressLine(ctx, label: "dlq retry") : nil
            var done = 0, retried = 0
            let code = SingleJobAction.apply(ctx, targets, verb: "dlq retry") { (id) throws in
                done += 1
                line?.reporter?.advance("retrying", done: done, total: targets.count)
                _ = try ctx.spool.retryDead(id)
                retried += 1
            }
            line?.finish("retried \(retried) of \(targets.count) dead job\(targets.count == 1 ? "" : "s") in \(line?.took ?? "")")
            return code
        }
    }

    struct Delete: Command {
        static let name = "delete"
        static let abstract = "Delete dead jobs (and their logs)."
        static let usage = "ID... | --all"
    static let summary = "Delete dead jobs and their logs"
    static let options: [OptionSpec] = [.flag("--all", help: "every dead job")]
    static let arguments: ValueKind = .jobID
    static let examples = ["dlq delete --all"]
        var ids: [JobID]?
        init(_ args: inout Arguments) throws { ids = try DLQCommand.targets(&args) }
        func run(_ ctx: Context) throws -> Int32 {
            SingleJobAction.apply(ctx, try DLQCommand.resolve(ids, ctx.spool), verb: "dlq delete") { (id) throws in
                guard let loc = try ctx.spool.locate(id) else { throw QueueError.notFound(id.rawValue) }
                guard loc.state == .dead else { throw QueueError.conflict("job \(id) is \(loc.state.rawValue), not dead") }
                _ = try ctx.spool.delete(id)
            }
        }
    }
}
