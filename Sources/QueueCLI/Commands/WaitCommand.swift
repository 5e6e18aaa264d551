import QueueCore

/// `queuectl wait ID...`: blocks until the jobs finish.
struct WaitCommand: Command {
    static let name = "wait"
    static let abstract = """
        Wait until the jobs finish. Exit 0 if all completed, 1 if any ended dead (or does not
        exist), 124 if --timeout SECONDS passed first.
        """
    static let usage = "ID... [--timeout SECONDS]"
    static let summary = "Wait until jobs finish (exit 0 all completed, 1 one dead, 124 timeout)"
    static let options: [OptionSpec] = [
        .value("--timeout", placeholder: "SECONDS", default: "wait forever", help: "give up after this long (exit 124)"),
    ]
    static let arguments: ValueKind = .jobID
    static let examples = ["wait job1 job2 --timeout 600"]
    var ids: [JobID]
    var timeout: Double?

    init(_ args: inout Arguments) throws {
        timeout = try args.secondsOption("--timeout")
        ids = try args.jobIDs()
    }

    func run(_ ctx: Context) throws -> Int32 {
        var anyDead = false
        let outcomes = try ctx.spool.waitForJobs(ids: ids, timeout: timeout) { id, outcome in
            switch outcome {
            case .dead: ctx.err.line("queuectl wait: job \(id) ended dead"); anyDead = true
            case .notFound: ctx.err.line("queuectl wait: no such job: \(id)"); anyDead = true
            case .completed, .timedOut: break
            }
        }
        let unfinished = ids.filter { outcomes[$0] == .timedOut }
        if !unfinished.isEmpty {
            ctx.err.line("queuectl wait: timed out; still waiting for \(unfinished.map(\.rawValue).joined(separator: ", "))")
            return ExitCode.timeout
        }
        return anyDead ? ExitCode.failure : ExitCode.success
    }
}
