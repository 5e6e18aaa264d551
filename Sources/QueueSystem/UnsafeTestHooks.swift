#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Test-only switches that break durability on purpose, so the power-loss test can show it
/// catches a missing fsync. Never set them in production.
/// - `QUEUECTL_UNSAFE_SKIP_DIRSYNC=1`: directory fsyncs are skipped.
/// - `QUEUECTL_UNSAFE_SKIP_FILESYNC=1`: file fsyncs are skipped.
enum UnsafeTestHooks {
    static let skipDirectorySync = getenv("QUEUECTL_UNSAFE_SKIP_DIRSYNC").map { String(cString: $0) == "1" } ?? false
    static let skipFileSync = getenv("QUEUECTL_UNSAFE_SKIP_FILESYNC").map { String(cString: $0) == "1" } ?? false
}
