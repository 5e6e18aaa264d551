#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's own inputs and exit, for an entry point (`queuectl`'s `main`): its raw
/// arguments, its environment, its user id, and exiting with a status.
public enum ProcessEnvironment {
    /// The command-line arguments after the program name, checked to be valid UTF-8 (Swift's
    /// `CommandLine.arguments` silently repairs invalid bytes).
    /// - Returns: `.failure(index)` with the 1-based index of the first argument that is not
    ///   valid UTF-8.
    public static func arguments() -> Result<[String], InvalidArgument> {
        var argv: [String] = []
        for i in 1..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[i] else { continue }
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw))
            guard let s = String(validating: bytes, as: UTF8.self) else { return .failure(InvalidArgument(index: i)) }
            argv.append(s)
        }
        return .success(argv)
    }

    /// An argument that is not valid UTF-8: its 1-based position.
    public struct InvalidArgument: Error, Sendable, Equatable {
        public var index: Int
    }

    /// The environment as a dictionary (an entry without `=` is skipped).
    public static func variables() -> [String: String] {
        var env: [String: String] = [:]
        var e = environ
        while let p = e.pointee {
            let entry = String(cString: p)
            if let eq = entry.firstIndex(of: "=") { env[String(entry[..<eq])] = String(entry[entry.index(after: eq)...]) }
            e += 1
        }
        return env
    }

    /// The real user id of the process.
    public static var userID: UInt32 { getuid() }

    /// Ends the process with `status` (no cleanup beyond the C library's).
    public static func exit(_ status: Int32) -> Never { Glibc.exit(status) }
}
