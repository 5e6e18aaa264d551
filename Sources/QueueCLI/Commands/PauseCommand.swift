import QueueCore

/// `queuectl pause` / `queuectl resume`: workers stop and restart claiming.
struct PauseCommand: Command {
    static let name = "pause"
    static let abstract = "Pause the queue: workers claim nothing new (running jobs continue). The flag is the file <spool>/paused."
    static let usage = ""
    init(_ args: inout Arguments) throws {}
    func run(_ ctx: Context) throws -> Int32 {
        try ctx.spool.create()
        do {
            _ = try FileSystem.createExclusive(ctx.spool.pausedFlagPath)
            try FileSystem.syncDirectory(ctx.spool.root)
        } catch { throw QueueError.system(error) }
        ctx.out.line("paused")
        return ExitCode.success
    }
}

struct ResumeCommand: Command {
    static let name = "resume"
    static let abstract = "Resume the queue after pause."
    static let usage = ""
    init(_ args: inout Arguments) throws {}
    func run(_ ctx: Context) throws -> Int32 {
        try ctx.spool.create()
        do {
            try FileSystem.unlinkIfExists(ctx.spool.pausedFlagPath)
            try FileSystem.syncDirectory(ctx.spool.root)
        } catch { throw QueueError.system(error) }
        ctx.out.line("resumed")
        return ExitCode.success
    }
}
