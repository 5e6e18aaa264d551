#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Watches directories for names moved or written into them. Linux: inotify; elsewhere the
/// watch is inert and callers fall back to polling.
public final class DirectoryWatch: @unchecked Sendable {
    /// The fd to `poll()` for readability, or -1 when notification is unavailable.
    public let fd: Int32

    public init() {
        #if os(Linux)
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        #else
        fd = -1
        #endif
    }

    deinit { if fd >= 0 { _ = Glibc.close(fd) } }

    /// Adds a watch for names arriving in `path` (rename into it, or a file closed after writing).
    @discardableResult
    public func add(_ path: String) -> Bool {
        #if os(Linux)
        guard fd >= 0 else { return false }
        return inotify_add_watch(fd, path, UInt32(IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE)) >= 0
        #else
        return false
        #endif
    }

    /// Reads pending events. Returns the names reported and whether the kernel queue overflowed
    /// (then the caller must rescan).
    public func drain() -> (names: [String], overflow: Bool) {
        var names: [String] = []
        var overflow = false
        #if os(Linux)
        guard fd >= 0 else { return ([], false) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { break }
            buffer.withUnsafeBytes { raw in
                var off = 0
                let header = MemoryLayout<inotify_event>.size
                while off + header <= n {
                    let ev = raw.load(fromByteOffset: off, as: inotify_event.self)
                    if ev.mask & UInt32(IN_Q_OVERFLOW) != 0 { overflow = true }
                    let len = Int(ev.len)
                    if len > 0 {
                        let bytes = raw[(off + header)..<(off + header + len)]
                        names.append(String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self))
                    }
                    off += header + len
                }
            }
        }
        #endif
        return (names, overflow)
    }
}
