#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif


/// An open file descriptor. A value type: closing is explicit, never retried on EINTR.
public struct FileDescriptor: RawRepresentable, Hashable, Sendable {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }

    public static let standardInput = FileDescriptor(rawValue: 0)
    public static let standardOutput = FileDescriptor(rawValue: 1)
    public static let standardError = FileDescriptor(rawValue: 2)

    /// Opens `path` relative to `directory` (or the cwd). Always `O_CLOEXEC`.
    /// Corresponds to `openat(2)`.
    public static func open(
        _ path: String, relativeTo directory: FileDescriptor? = nil, flags: CInt, mode: mode_t = 0o600
    ) throws(SystemError) -> FileDescriptor {
        let dirfd = directory?.rawValue ?? AT_FDCWD
        let fd = try retryingEINTR("open", path: path) { openat(dirfd, path, flags | O_CLOEXEC, mode) }
        return FileDescriptor(rawValue: fd)
    }

    /// Closes the descriptor. Errors are ignored: on Linux the fd is gone even on EINTR.
    public func close() { _ = Glibc.close(rawValue) }

    /// Runs `body`, then closes the descriptor whatever happens.
    public func closeAfter<R, E: Error>(_ body: (FileDescriptor) throws(E) -> R) throws(E) -> R {
        defer { close() }
        return try body(self)
    }

    /// Writes all of `bytes`, looping over partial writes. Corresponds to `write(2)`.
    public func writeAll(_ bytes: some Sequence<UInt8>, path: String? = nil) throws(SystemError) {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let n = try retryingEINTR("write", path: path) {
                array.withUnsafeBytes { raw in Glibc.write(rawValue, raw.baseAddress! + offset, raw.count - offset) }
            }
            offset += n
        }
    }

    /// Reads until end of file, at most `limit` bytes; returns nil when the file is longer.
    public func readAll(limit: Int = Int.max, path: String? = nil) throws(SystemError) -> [UInt8]? {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try retryingEINTR("read", path: path) {
                chunk.withUnsafeMutableBytes { raw in Glibc.read(rawValue, raw.baseAddress!, raw.count) }
            }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
            if result.count > limit { return nil }
        }
    }

    /// Flushes file data and metadata to stable storage. Corresponds to `fsync(2)`.
    public func sync(path: String? = nil) throws(SystemError) {
        if UnsafeTestHooks.skipFileSync { return }
        try retryingEINTR("fsync", path: path) { fsync(rawValue) }
    }


    /// File status without following anything. Corresponds to `fstat(2)`.
    public func status(path: String? = nil) throws(SystemError) -> FileStatus {
        var st = stat()
        try retryingEINTR("fstat", path: path) { fstat(rawValue, &st) }
        return FileStatus(st)
    }
}

extension FileDescriptor {
    /// Tries to take an exclusive advisory lock on the open file description, without waiting.
    /// The lock belongs to the description: every process that inherits the descriptor (a
    /// spawned child and its children) holds it, and it is released when the last of them closes it.
    /// - Returns: false when another description holds the lock (`EWOULDBLOCK`).
    /// - Throws: `SystemError` for any other failure (e.g. `ENOLCK`, a filesystem without locks).
    /// Corresponds to `flock(2)` with `LOCK_EX | LOCK_NB`.
    public func tryLockExclusive(path: String? = nil) throws(SystemError) -> Bool {
        do {
            try retryingEINTR("flock", path: path) { flock(rawValue, LOCK_EX | LOCK_NB) }
            return true
        } catch where error.errno == .wouldBlock {
            return false
        }
    }
}
