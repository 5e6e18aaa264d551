#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CQueueShims

/// Signalling, reaping and spawning single processes, and short sleeps: the system calls the
/// queue's control operations (`worker stop`, `worker start --background`, `logs --follow`,
/// `wait`) need, kept here so no caller above the system layer makes them itself.
public enum ProcessControl {
    /// Sends `signal` to process `pid`. Failures (no such process, no permission) are ignored:
    /// callers re-check liveness afterwards.
    public static func signal(_ pid: Int32, _ signal: Int32) {
        _ = kill(pid, signal)
    }

    /// Sleeps about `seconds` (at most ~1 h; interrupted sleeps are not resumed).
    public static func sleep(seconds: Double) {
        let micros = UInt32(max(0, min(seconds, 3600)) * 1_000_000)
        usleep(micros)
    }

    /// Reaps child `pid` without blocking. True when it has exited (and is now reaped).
    public static func reapIfExited(_ pid: Int32) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }

    /// The path of the running executable (`/proc/self/exe`), else `argv[0]`.
    public static func executablePath() -> String {
        var exe = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &exe, exe.count - 1)
        return n > 0 ? String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    }

    /// The calling process's id.
    public static var currentPID: Int32 { getpid() }

    /// Starts `path` with `arguments` (argv, including argv[0]) and `environment` in a new
    /// session, stdin from /dev/null, stdout and stderr appended to `logPath`.
    /// - Returns: the child's pid (the caller reaps it with `reapIfExited`).
    /// - Throws: `SystemError` (operation `posix_spawn`) when it could not be started.
    public static func spawnDetached(_ path: String, arguments: [String], environment: [String: String],
                                     logPath: String) throws(SystemError) -> Int32 {
        try ChildProcess.spawnDetached(path, Array(arguments.dropFirst()), environment: environment, log: logPath).pid
    }

    /// Waits until `watch` reports an event or `milliseconds` pass (a plain sleep when the
    /// watch is inert), then drains its events.
    public static func waitForChange(_ watch: DirectoryWatch, milliseconds: Int32) {
        if watch.fd >= 0 {
            var fd = pollfd(fd: watch.fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&fd, 1, milliseconds)
            _ = watch.drain()
        } else {
            usleep(UInt32(max(0, milliseconds)) * 1000)
        }
    }
}

extension FileSystem {
    /// The bytes of `path` from byte `offset` to its end. Nil when the file does not exist (or
    /// cannot be positioned at `offset`); symlinks are not followed.
    /// - Throws: `SystemError` for other failures to open or read.
    public static func readFile(_ path: String, from offset: Int64) throws(SystemError) -> [UInt8]? {
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(path, flags: O_RDONLY | O_NOFOLLOW) } catch where error.isNotFound {
            return nil
        }
        defer { fd.close() }
        guard lseek(fd.rawValue, off_t(offset), SEEK_SET) >= 0 else { return nil }
        return try fd.readAll(path: path) ?? []
    }
}
