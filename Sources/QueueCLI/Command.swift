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
    /// One line for lists, help and the man page (defaults live in CommandSpec.swift).
    static var summary: String { get }
    /// Every option `init` reads (not `--help`): help, man page, completions and typo hints
    /// are rendered from these.
    static var options: [OptionSpec] { get }
    /// What the positional arguments are, for completion.
    static var arguments: ValueKind { get }
    /// Command lines after `queuectl` (at least one), e.g. `"status --json"`.
    static var examples: [String] { get }
    /// Hidden commands run but are neither listed nor completed.
    static var hidden: Bool { get }
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
