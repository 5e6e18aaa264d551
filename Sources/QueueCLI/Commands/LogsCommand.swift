import QueueCore

/// `queuectl logs ID`: the job's captured stdout and stderr.
struct LogsCommand: Command {
    static let name = "logs"
    static let abstract = "Print a job's captured stdout and stderr (all attempts). --follow streams until the job finishes."
    static let usage = "ID [--follow]"
    static let summary = "Print a job's captured stdout and stderr (all attempts)"
    static let options: [OptionSpec] = [.flag("--follow", "-f", help: "keep printing until the job finishes")]
    static let arguments: ValueKind = .jobID
    static let examples = ["logs job1 --follow"]
    var id: JobID
    var follow: Bool

    init(_ args: inout Arguments) throws {
        follow = try args.flag("--follow", "-f")
        id = try args.jobID()
    }

    func run(_ ctx: Context) throws -> Int32 {
        try JobLog(spool: ctx.spool, id: id).stream(follow: follow) { bytes in
            ctx.out.bytes(bytes)
            ctx.out.flush()
        }
        return ExitCode.success
    }
}
