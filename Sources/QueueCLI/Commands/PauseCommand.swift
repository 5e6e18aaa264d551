import QueueCore

/// `queuectl pause` / `queuectl resume`: workers stop and restart claiming.
struct PauseCommand: Command {
    static let name = "pause"
    static let abstract = "Pause the queue: workers claim nothing new (running jobs continue). The flag is the file <spool>/paused."
    static let usage = ""
    static let summary = "Pause the queue: workers claim nothing new"
    static let examples = ["pause"]
    init(_ args: inout Arguments) throws {}
    func run(_ ctx: Context) throws -> Int32 {
        try ctx.spool.pause()
        ctx.out.line("paused")
        return ExitCode.success
    }
}

struct ResumeCommand: Command {
    static let name = "resume"
    static let abstract = "Resume the queue after pause."
    static let usage = ""
    static let summary = "Resume the queue after pause"
    static let examples = ["resume"]
    init(_ args: inout Arguments) throws {}
    func run(_ ctx: Context) throws -> Int32 {
        try ctx.spool.resume()
        ctx.out.line("resumed")
        return ExitCode.success
    }
}
