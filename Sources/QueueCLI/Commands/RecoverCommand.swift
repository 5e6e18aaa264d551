import QueueCore

/// `queuectl recover`: takes back claims whose worker is gone.
struct RecoverCommand: Command {
    static let name = "recover"
    static let abstract = """
        Take back jobs from processing/ whose worker is dead (same host) or whose lease expired;
        each interrupted attempt counts (workers do this at start and periodically). Then complete
        moves a crash interrupted and resolve ids found in two directories (as fsck --repair), and
        remove the registrations of dead workers (once none of their claims is left). Exit 1 if anything is left that needs the admin (see queuectl fsck).
        """
    static let usage = ""
    static let summary = "Take back jobs whose worker died or whose lease expired"
    static let examples = ["recover"]
    init(_ args: inout Arguments) throws {}

    func run(_ ctx: Context) throws -> Int32 {
        try ctx.spool.create()
        let config = try ctx.spool.config()
        let (actions, errors) = ctx.spool.recoverOrphans(config: config)
        for a in actions { ctx.out.line("recovered \(a)") }
        for e in errors { ctx.err.line("queuectl recover: \(e)") }
        let slots = ctx.spool.recoverGroupSlots(config: config)
        for r in slots.released { ctx.out.line("released group slot \(r)") }
        for e in slots.errors { ctx.err.line("queuectl recover: \(e)") }
        let report = ctx.spool.fsck(repair: true, config: config)
        for f in report.findings where f.repaired { ctx.out.line("repaired \(f)") }
        for f in report.unrepaired { ctx.err.line("queuectl recover: needs attention: \(f)") }
        let removed = ctx.spool.removeDeadRegistrations(config: config)
        if let settled = try? ctx.spool.settleArchiveStaging(), settled.settled > 0 { ctx.out.line("settled \(settled.settled) staged archive jobs") }
        for w in removed { ctx.out.line("removed the registration of dead worker \(w)") }
        if actions.isEmpty && errors.isEmpty && slots.released.isEmpty && slots.errors.isEmpty && report.findings.isEmpty && removed.isEmpty { ctx.out.line("nothing to recover") }
        return errors.isEmpty && slots.errors.isEmpty && report.isClean ? ExitCode.success : ExitCode.failure
    }
}
