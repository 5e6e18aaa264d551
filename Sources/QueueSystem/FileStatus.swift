#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The parts of `struct stat` the queue looks at.
public struct FileStatus: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case regular, directory, symlink, fifo, socket, other }
    public var kind: Kind
    public var size: Int64
    public var mode: mode_t
    public var uid: uid_t
    /// Modification time in nanoseconds since the epoch, clamped to ±4e18 (years 1843...2096)
    /// so that a file dated far away cannot overflow this or a difference with the present.
    public var modifiedNanos: Int64
    /// Inode number and status-change time (nanoseconds): together they tell whether the entry
    /// was replaced or renamed since it was last looked at (a rename updates the ctime).
    public var inode: UInt64
    public var changedNanos: Int64

    init(_ st: stat) {
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        case S_IFIFO: kind = .fifo
        case S_IFSOCK: kind = .socket
        default: kind = .other
        }
        size = Int64(st.st_size)
        mode = st.st_mode & 0o7777
        uid = st.st_uid
        #if canImport(Glibc)
        let (sec, nsec) = (Int64(st.st_mtim.tv_sec), Int64(st.st_mtim.tv_nsec))
        let (csec, cnsec) = (Int64(st.st_ctim.tv_sec), Int64(st.st_ctim.tv_nsec))
        #else
        let (sec, nsec) = (Int64(st.st_mtimespec.tv_sec), Int64(st.st_mtimespec.tv_nsec))
        let (csec, cnsec) = (Int64(st.st_ctimespec.tv_sec), Int64(st.st_ctimespec.tv_nsec))
        #endif
        modifiedNanos = FileStatus.clampedNanos(sec, nsec)
        changedNanos = FileStatus.clampedNanos(csec, cnsec)
        inode = UInt64(st.st_ino)
    }

    /// Seconds and nanoseconds as nanoseconds, clamped to ±4e18 (never overflows).
    private static func clampedNanos(_ sec: Int64, _ nsec: Int64) -> Int64 {
        let bound: Int64 = 4_000_000_000_000_000_000
        return sec > bound / 1_000_000_000 ? bound
            : sec < -bound / 1_000_000_000 ? -bound : max(-bound, min(bound, sec * 1_000_000_000 + nsec))
    }

    /// `lstat(2)` of `path`: a symlink is reported as a symlink, never followed.
    public static func of(_ path: String, followLinks: Bool = false) throws(SystemError) -> FileStatus {
        var st = stat()
        if followLinks {
            try retryingEINTR("stat", path: path) { stat(path, &st) }
        } else {
            try retryingEINTR("lstat", path: path) { lstat(path, &st) }
        }
        return FileStatus(st)
    }

    /// Like `of(_:)` but returns nil when the path does not exist.
    public static func ifExists(_ path: String) throws(SystemError) -> FileStatus? {
        do { return try of(path) } catch where error.isNotFound { return nil }
    }
}
