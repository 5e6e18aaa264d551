import QueueCore

/// `queuectl worker start|stop|list|logs`.
struct WorkerCommand: Command {
    static let name = "worker"
    static let abstract = "Run and manage workers: start, stop, list, logs."
    static let usage = "(start | stop | list | logs) [OPTIONS]"
    static let summary = "Run and manage workers: start, stop, list, logs"
    static let examples = ["worker start --count 4", "worker stop --wait"]
    static var subcommands: [any Command.Type] { [WorkerStart.self, WorkerStop.self, WorkerList.self, WorkerLogs.self] }
    init(_ args: inout Arguments) throws {}
    func run(_ ctx: Context) throws -> Int32 { ExitCode.usage }
}
