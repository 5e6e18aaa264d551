#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FileDescriptor {
    /// Takes an exclusive advisory lock on the open file description, waiting for it. The lock
    /// is released when the description is closed (by every process sharing it).
    /// - Throws: `SystemError` (e.g. `ENOLCK`, a filesystem without locks). EINTR is retried.
    /// Corresponds to `flock(2)` with `LOCK_EX`.
    public func lockExclusive(path: String? = nil) throws(SystemError) {
        try retryingEINTR("flock", path: path) { flock(rawValue, LOCK_EX) }
    }
}
