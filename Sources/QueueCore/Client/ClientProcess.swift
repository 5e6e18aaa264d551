import QueueSystem

/// What a client of the queue (the command line) may use of its own process without making a
/// system call itself: its standard streams, its arguments and environment, and its exit.
/// The system calls stay in `QueueSystem`; a client imports only `QueueCore`.
public struct StandardStream: Sendable {
    let descriptor: FileDescriptor

    public static let input = StandardStream(descriptor: .standardInput)
    public static let output = StandardStream(descriptor: .standardOutput)
    public static let error = StandardStream(descriptor: .standardError)

    /// Writes all of `bytes`. A failure (a closed pipe, a full disk) is not reported: there is
    /// nowhere left to report it.
    public func write(_ bytes: [UInt8]) { try? descriptor.writeAll(bytes) }

    /// Writes all of `bytes`; false when the write failed (e.g. the reader of a pipe went away:
    /// SIGPIPE is ignored by `TerminationSignals`, so a loop must stop on this).
    public func writeReportingFailure(_ bytes: [UInt8]) -> Bool { (try? descriptor.writeAll(bytes)) != nil }

    /// Reads to the end, at most `limit` bytes; nil when there is more.
    /// - Throws: `QueueError.systemFailure` when the stream cannot be read.
    public func readAll(limit: Int = Int.max) throws(QueueError) -> [UInt8]? {
        do { return try descriptor.readAll(limit: limit) } catch {
            throw .systemFailure(action: "cannot read standard input", error, note: nil)
        }
    }
}

/// The process's arguments, environment and exit, for an entry point.
public enum ClientProcess {
    /// The arguments after the program name; `.failure` names the first that is not UTF-8.
    public static func arguments() -> Result<[String], ProcessEnvironment.InvalidArgument> { ProcessEnvironment.arguments() }
    public static func variables() -> [String: String] { ProcessEnvironment.variables() }
    public static var userID: UInt32 { ProcessEnvironment.userID }
    public static func exit(_ status: Int32) -> Never { ProcessEnvironment.exit(status) }
}
