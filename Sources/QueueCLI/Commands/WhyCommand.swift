import QueueCore

/// `queuectl why ID`: one line saying why the job is where it is.
struct WhyCommand: Command {
    static let name = "why"
    static let abstract = """
        Say in one line why a job is where it is: due at T, waiting for job X, group full (2 of 2
        running), queue paused, held, owned by worker W on host H (pid, lease), ready, completed
        at T, dead after N attempts with the last error, failed with its retry time.
        --json prints {"id", "state", "reason", "message", ...} with the facts behind it.
        Exit 1 when no job has that id.
        """
    static let usage = "ID [--json]"
    static let summary = "Say in one line why a job is where it is"
    static let options: [OptionSpec] = [.flag("--json", help: "print the reason and the facts behind it as JSON")]
    static let arguments: ValueKind = .jobID
    static let examples = ["why job1"]
    var id: JobID
    var json: Bool

    init(_ args: inout Arguments) throws {
        json = try args.flag("--json")
        id = try args.jobID()
    }

    func run(_ ctx: Context) throws -> Int32 {
        let e = try ctx.spool.explain(id, config: try ctx.spool.config())
        if json { ctx.out.line(JSONOut.render(e.jsonValue)) } else { ctx.out.line("\(e.id): \(e.message)") }
        return ExitCode.success
    }
}
