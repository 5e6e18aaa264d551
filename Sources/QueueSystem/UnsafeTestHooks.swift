#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Test-only switches that break durability on purpose, so the power-loss test can show it
/// catches a missing fsync. Never set them in production.
/// - `QUEUECTL_UNSAFE_SKIP_DIRSYNC=1`: directory fsyncs are skipped.
/// - `QUEUECTL_UNSAFE_SKIP_FILESYNC=1`: file fsyncs are skipped.
///
/// And one that changes no promise: `QUEUECTL_NO_RENAME_FLAGS=1` makes `renameat2` with
/// `RENAME_NOREPLACE` or `RENAME_EXCHANGE` fail with EINVAL, as on GlusterFS's FUSE mount or NFS,
/// so the plain-rename protocols run (and are tested) on a local disk.
public enum UnsafeTestHooks {
    public static let noRenameFlags = getenv("QUEUECTL_NO_RENAME_FLAGS").map { String(cString: $0) == "1" } ?? false
    static let skipDirectorySync = getenv("QUEUECTL_UNSAFE_SKIP_DIRSYNC").map { String(cString: $0) == "1" } ?? false
    static let skipFileSync = getenv("QUEUECTL_UNSAFE_SKIP_FILESYNC").map { String(cString: $0) == "1" } ?? false
}
