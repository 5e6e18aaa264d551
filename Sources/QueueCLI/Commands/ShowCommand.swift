import QueueCore

/// `queuectl show ID`: the job's JSON file.
struct ShowCommand: Command {
    static let name = "show"
    static let abstract = "Print a job's JSON (its file in the spool, else its line in archive/)."
    static let usage = "ID [--json]"
    var id: JobID

    init(_ args: inout Arguments) throws {
        _ = try args.flag("--json")  // the output is JSON either way
        id = try args.jobID()
    }

    func run(_ ctx: Context) throws -> Int32 {
        let job: Job
        do {
            job = try ctx.spool.load(id).job
        } catch QueueError.notFound {
            // Not in the spool: look in archive/ (a scan of its day files, newest first).
            guard let archived = ctx.spool.findArchived(id) else { throw QueueError.notFound(id.rawValue) }
            job = archived
        }
        ctx.out.bytes(job.encoded())
        return ExitCode.success
    }
}
