import QueueCore

/// `queuectl hold ID...` / `queuectl release ID...`: a held job is never claimed.
struct HoldCommand: Command {
    static let name = "hold"
    static let abstract = "Hold pending or failed jobs (moved to held/): workers never claim them until released."
    static let usage = "ID..."
    static let summary = "Hold pending or failed jobs: workers never claim them until released"
    static let arguments: ValueKind = .jobID
    static let examples = ["hold job1"]
    var ids: [JobID]
    init(_ args: inout Arguments) throws { ids = try args.jobIDs() }
    func run(_ ctx: Context) throws -> Int32 {
        SingleJobAction.apply(ctx, ids, verb: "hold") { (id) throws in _ = try ctx.spool.hold(id) }
    }
}

struct ReleaseCommand: Command {
    static let name = "release"
    static let abstract = "Release held jobs back to pending/."
    static let usage = "ID..."
    static let summary = "Release held jobs back to pending"
    static let arguments: ValueKind = .jobID
    static let examples = ["release job1"]
    var ids: [JobID]
    init(_ args: inout Arguments) throws { ids = try args.jobIDs() }
    func run(_ ctx: Context) throws -> Int32 {
        SingleJobAction.apply(ctx, ids, verb: "release") { (id) throws in _ = try ctx.spool.release(id) }
    }
}

/// `queuectl retry ID...`: a job waiting in failed/ becomes due now.
struct RetryCommand: Command {
    static let name = "retry"
    static let abstract = "Make jobs waiting in failed/ due now (attempts are kept; for dead jobs use dlq retry)."
    static let usage = "ID..."
    static let summary = "Make failed jobs due now (attempts are kept)"
    static let arguments: ValueKind = .jobID
    static let examples = ["retry job1"]
    var ids: [JobID]
    init(_ args: inout Arguments) throws { ids = try args.jobIDs() }
    func run(_ ctx: Context) throws -> Int32 {
        SingleJobAction.apply(ctx, ids, verb: "retry") { (id) throws in _ = try ctx.spool.retryNow(id) }
    }
}

/// Runs an action per id, printing each id done and one error line per failure.
enum SingleJobAction {
    static func apply(_ ctx: Context, _ ids: [JobID], verb: String, printID: Bool = true,
                      _ action: (JobID) throws -> Void) -> Int32 {
        var code = ExitCode.success
        for id in ids {
            do { try action(id); if printID { ctx.out.line(id.rawValue) } }
            catch { ctx.err.line("queuectl \(verb): \(error)"); code = ExitCode.failure }
        }
        return code
    }
}
