import QueueCore

/// `queuectl show ID`: the job's JSON file.
struct ShowCommand: Command {
    static let name = "show"
    static let abstract = "Print a job's JSON (its file in the spool)."
    static let usage = "ID [--json]"
    var id: JobID

    init(_ args: inout Arguments) throws {
        _ = try args.flag("--json")  // the output is JSON either way
        id = try args.jobID()
    }

    func run(_ ctx: Context) throws -> Int32 {
        let file = try ctx.spool.load(id)
        ctx.out.bytes(file.job.encoded())
        return ExitCode.success
    }
}
