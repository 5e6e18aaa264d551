#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CQueueShims

/// An error number as a system call reports it (`errno`). A value type: compare it with the
/// named constants (`.noSuchFile`, `.fileExists`...); its description is `strerror(3)`'s text.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: CInt
    public init(rawValue: CInt) { self.rawValue = rawValue }
    public init(_ rawValue: CInt) { self.rawValue = rawValue }

    /// The calling thread's errno, read right after the failing call.
    public static var current: Errno { Errno(cq_errno()) }

    /// `strerror(3)` of the value, e.g. "No space left on device".
    public var description: String { String(cString: strerror(rawValue)) }

    /// `ENOENT`: no such file or directory.
    public static let noSuchFile = Errno(ENOENT)
    /// `EEXIST`: the name already exists.
    public static let fileExists = Errno(EEXIST)
    /// `EINTR`: interrupted by a signal (retried by `retryingEINTR`, never thrown by it).
    public static let interrupted = Errno(EINTR)
    /// `ENOSPC`: no space left on device.
    public static let noSpace = Errno(ENOSPC)
    /// `EWOULDBLOCK` (`EAGAIN`): the call would block.
    public static let wouldBlock = Errno(EWOULDBLOCK)
    /// `ENOTDIR`: a path component is not a directory.
    public static let notDirectory = Errno(ENOTDIR)
    /// `ELOOP`: a symlink where `O_NOFOLLOW` forbids one.
    public static let tooManySymbolicLinks = Errno(ELOOP)
    /// `EINVAL`: invalid argument (also: the filesystem lacks a `renameat2` flag).
    public static let invalidArgument = Errno(EINVAL)
    /// `ENOSYS`: the kernel lacks the call.
    public static let noFunction = Errno(ENOSYS)
    /// `EPERM`: operation not permitted.
    public static let notPermitted = Errno(EPERM)
    /// `EACCES`: permission denied.
    public static let permissionDenied = Errno(EACCES)
    /// `ESRCH`: no such process.
    public static let noSuchProcess = Errno(ESRCH)
    /// `ECHILD`: no such child to wait for.
    public static let noChild = Errno(ECHILD)
    /// `EXDEV`: cross-device link.
    public static let crossDevice = Errno(EXDEV)
    /// `ENOTSUP`: operation not supported.
    public static let notSupported = Errno(ENOTSUP)
    /// `EOPNOTSUPP`: operation not supported on this object.
    public static let operationNotSupported = Errno(EOPNOTSUPP)
    /// `EMLINK`: too many links.
    public static let tooManyLinks = Errno(EMLINK)
    /// `EIO`: input/output error.
    public static let ioError = Errno(EIO)
    /// `ENOTCONN`: a network filesystem lost its server (GlusterFS/FUSE after `ping-timeout`).
    public static let notConnected = Errno(ENOTCONN)
    /// `ESTALE`: an NFS file handle that no longer names a file.
    public static let staleHandle = Errno(ESTALE)
    /// `ETIMEDOUT`: a network filesystem call timed out.
    public static let timedOut = Errno(ETIMEDOUT)
    /// `ECONNABORTED`.
    public static let connectionAborted = Errno(ECONNABORTED)
    /// `EHOSTDOWN`.
    public static let hostDown = Errno(EHOSTDOWN)

    /// Errors that say "the storage is unreachable just now" rather than "this file is wrong":
    /// a worker keeps its jobs and retries after them (never records an outcome because of one).
    public var isStorageUnreachable: Bool {
        [Errno.notConnected, .staleHandle, .ioError, .timedOut, .connectionAborted, .hostDown].contains(self)
    }
}
