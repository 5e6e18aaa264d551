#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who a process is, robust against pid reuse: host name, pid and the kernel's start time
/// (`/proc/PID/stat` field 22, clock ticks since boot).
public struct ProcessIdentity: Sendable, Equatable, Codable {
    public var host: String
    public var pid: Int32
    public var startTime: UInt64

    public init(host: String, pid: Int32, startTime: UInt64) {
        self.host = host; self.pid = pid; self.startTime = startTime
    }

    /// The calling process.
    public static func current() -> ProcessIdentity {
        let pid = getpid()
        return ProcessIdentity(host: hostName(), pid: pid, startTime: startTime(of: pid) ?? 0)
    }

    /// This machine's host name: `$QUEUECTL_HOST` when set and not empty (several workers on one
    /// machine can then act as different hosts), else `gethostname(2)`.
    public static func hostName() -> String {
        if let override = getenv("QUEUECTL_HOST"), override.pointee != 0 { return String(cString: override) }
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The start time of `pid`, or nil when no such process exists or it has exited and only
    /// waits to be reaped (a zombie runs nothing and renews no lease). Reads `/proc/PID/stat`;
    /// on systems without /proc, returns 0 for a live pid (pid-reuse protection is then off).
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let bytes = try? FileSystem.readFile("/proc/\(pid)/stat", limit: 4096) else {
            #if os(Linux)
            return nil
            #else
            return (kill(pid, 0) == 0 || Errno.current == .notPermitted) ? 0 : nil
            #endif
        }
        // The command name (field 2) is in parentheses and may hold spaces: parse after the last ')'.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let rest = String(decoding: bytes[(close + 1)...], as: UTF8.self)
        let fields = rest.split(separator: " ")
        // fields[0] is field 3 (state); field 22 is fields[19].
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X", let value = UInt64(fields[19]) else { return nil }
        return value
    }

}
