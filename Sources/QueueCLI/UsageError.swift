import QueueCore

/// Bad usage of the command line (unknown option, missing argument, value out of range): the
/// CLI prints it and exits 2. Only the CLI throws it; the core reports invalid input through
/// `QueueError.isInvalidInput`.
struct UsageError: Error, CustomStringConvertible {
    var message: String
    /// The word, when the error is an unknown option (the CLI then suggests the closest known one).
    var unknownOption: String?
    var description: String { message }
}

extension Error where Self == UsageError {
    /// `throw .usage("...")` in the command line's (untyped) throwing code.
    static func usage(_ message: String) -> UsageError { UsageError(message: message) }
    /// `unknown option 'WORD'`.
    static func unknownOption(_ word: String) -> UsageError { UsageError(message: "unknown option '\(word)'", unknownOption: word) }
}

/// The exit code for an error that reached the command line's edge: 2 for bad usage and
/// invalid input, 1 for a failed operation.
func exitCode(for error: any Error) -> Int32 {
    switch error {
    case is UsageError: return ExitCode.usage
    case let e as QueueError where e.isInvalidInput: return ExitCode.usage
    default: return ExitCode.failure
    }
}
