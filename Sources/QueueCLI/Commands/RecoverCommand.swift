import QueueCore

/// `queuectl recover`: takes back claims whose worker is gone.
struct RecoverCommand: Command {
    static let name = "recover"
    static let abstract = """
        Take back jobs from processing/ whose worker is dead (same host) or whose lease expired;
        each interrupted attempt counts. Workers do this at start and periodically.
        """
    static let usage = ""
    init(_ args: inout Arguments) throws(QueueError) {}

    func run(_ ctx: Context) throws(QueueError) -> Int32 {
        try ctx.spool.create()
        let (actions, errors) = ctx.spool.recoverOrphans(config: try ctx.spool.config())
        for a in actions { ctx.out.line("recovered \(a)") }
        for e in errors { ctx.err.line("queuectl recover: \(e)") }
        if actions.isEmpty && errors.isEmpty { ctx.out.line("nothing to recover") }
        return errors.isEmpty ? ExitCode.success : ExitCode.failure
    }
}
