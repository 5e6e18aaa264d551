import QueueCore

/// What every command gets: the spool, the outputs and the environment.
public struct Context {
    public var spool: Spool
    public var out: Output
    public var err: Output
    public var environment: [String: String]
    /// Standard input (for `enqueue -`).
    public var input: StandardStream
    /// `--no-color` was given (see `Style`).
    public var noColor: Bool = false
}

/// One subcommand, shaped like swift-argument-parser's ParsableCommand without the dependency.
/// `init` parses (throwing `UsageError` for bad input), `run` acts and returns the exit code;
/// errors reach `QueueCLI.execute`, which prints them and picks the exit code (`exitCode(for:)`).
public protocol Command {
    static var name: String { get }
    static var abstract: String { get }
    /// Usage text after `queuectl NAME`.
    static var usage: String { get }
    /// Subcommands, for a command group.
    static var subcommands: [any Command.Type] { get }
    init(_ args: inout Arguments) throws
    func run(_ ctx: Context) throws -> Int32
}

extension Command {
    /// Subcommands (`worker`, `dlq`, `config` have some); empty for a leaf command.
    public static var subcommands: [any Command.Type] { [] }
}

/// Exit codes: 0 success, 1 the operation failed, 2 bad usage or invalid input.
public enum ExitCode {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 2
    public static let timeout: Int32 = 124
}
