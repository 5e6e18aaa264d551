/// A failed system call: which operation, on which path, and the errno it returned.
/// Rendered once, where the error reaches the user: "OPERATION PATH: strerror text".
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var errno: Errno
    public var operation: String
    public var path: String?

    public init(errno: Errno, operation: String, path: String? = nil) {
        self.errno = errno
        self.operation = operation
        self.path = path
    }

    /// The calling thread's current errno for `operation` on `path` (read it right after the call).
    public static func current(_ operation: String, path: String? = nil) -> SystemError {
        SystemError(errno: .current, operation: operation, path: path)
    }

    public var description: String {
        if let path { return "\(operation) \(path): \(errno)" }
        return "\(operation): \(errno)"
    }

    /// The file or directory does not exist (`ENOENT`): for renames, another process won the race.
    public var isNotFound: Bool { errno == .noSuchFile }
    /// The target name already exists (`EEXIST`).
    public var isExists: Bool { errno == .fileExists }
}

/// Runs a system call, retrying while it fails with `EINTR`. The one place EINTR is handled.
///
/// - Returns: the call's non-negative result.
/// - Throws: `SystemError` carrying `operation`, `path` and the errno of any other failure.
@inline(__always) @discardableResult
public func retryingEINTR<I: FixedWidthInteger>(
    _ operation: String, path: String? = nil, _ body: () -> I
) throws(SystemError) -> I {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = Errno.current
        if code != .interrupted { throw SystemError(errno: code, operation: operation, path: path) }
    }
}
