import CQueueShims

/// A failed system call: which operation, on which path, and the errno it returned.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var errno: CInt
    public var operation: String
    public var path: String?

    public init(errno: CInt, operation: String, path: String? = nil) {
        self.errno = errno
        self.operation = operation
        self.path = path
    }

    public var description: String {
        let message = String(cString: strerror(errno))
        if let path { return "\(operation) \(path): \(message)" }
        return "\(operation): \(message)"
    }

    /// The file or directory does not exist (`ENOENT`): for renames, another process won the race.
    public var isNotFound: Bool { errno == ENOENT }
    /// The target name already exists (`EEXIST`).
    public var isExists: Bool { errno == EEXIST }
}

/// Reads the calling thread's errno.
@inline(__always) func currentErrno() -> CInt { cq_errno() }

/// Runs a system call, retrying while it fails with `EINTR`. The one place EINTR is handled.
///
/// - Returns: the call's non-negative result.
/// - Throws: `SystemError` carrying `operation`, `path` and the errno of any other failure.
@inline(__always) @discardableResult
func retryingEINTR<I: FixedWidthInteger>(
    _ operation: String, path: String? = nil, _ body: () -> I
) throws(SystemError) -> I {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = currentErrno()
        if code != EINTR { throw SystemError(errno: code, operation: operation, path: path) }
    }
}
