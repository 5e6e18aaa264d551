import QueueCore

/// `queuectl delete ID`: removes a job that is not running.
struct DeleteCommand: Command {
    static let name = "delete"
    static let abstract = "Delete jobs (and their logs). A processing job is refused."
    static let usage = "ID..."
    static let summary = "Delete jobs and their logs (a processing job is refused)"
    static let arguments: ValueKind = .jobID
    static let examples = ["delete job1 job2"]
    var ids: [JobID]

    init(_ args: inout Arguments) throws { ids = try args.jobIDs() }

    func run(_ ctx: Context) throws -> Int32 {
        SingleJobAction.apply(ctx, ids, verb: "delete", printID: false) { (id) throws in
            let state = try ctx.spool.delete(id)
            ctx.out.line("deleted \(id) (was \(state.rawValue))")
        }
    }
}
