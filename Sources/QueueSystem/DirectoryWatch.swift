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
    /// The path of each watch descriptor, so events say which directory they came from.
    private let paths = LockedValue<[Int32: String]>([:])

    /// Kinds of event watched beyond names arriving (`add(_:including:)`).
    public struct Extra: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Names leaving: deleted or renamed away (`IN_DELETE | IN_MOVED_FROM`).
        public static let removals = Extra(rawValue: 1)
        /// Metadata changes such as an mtime set with `utimensat` (`IN_ATTRIB`).
        public static let attributes = Extra(rawValue: 2)
    }

    /// One event: the watched directory it came from (nil when unknown, e.g. after the watch
    /// was removed), the name in it ("" for an event on the directory itself) and whether
    /// the name left the directory.
    public struct Event: Sendable, Equatable {
        public var directory: String?
        public var name: String
        public var removed: Bool
    }

    public init() {
        #if os(Linux)
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        #else
        fd = -1
        #endif
    }

    deinit { if fd >= 0 { _ = Glibc.close(fd) } }

    /// Adds a watch for names arriving in `path` (rename into it, or a file closed after writing).
    /// With `extra`, also names leaving it and/or metadata changes. False when the watch
    /// could not be added (no inotify, a missing directory, the watch limit reached).
    @discardableResult
    public func add(_ path: String, including extra: Extra = []) -> Bool {
        #if os(Linux)
        guard fd >= 0 else { return false }
        var mask = UInt32(IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE)
        if extra.contains(.removals) { mask |= UInt32(IN_DELETE | IN_MOVED_FROM) }
        if extra.contains(.attributes) { mask |= UInt32(IN_ATTRIB) }
        let wd = inotify_add_watch(fd, path, mask)
        if wd >= 0 { paths.withLock { $0[wd] = path } }
        return wd >= 0
        #else
        return false
        #endif
    }

    /// Reads pending events. Returns the names reported and whether the kernel queue overflowed
    /// (then the caller must rescan).
    public func drain() -> (names: [String], overflow: Bool) {
        let (events, overflow) = drainEvents()
        return (events.compactMap { $0.name.isEmpty ? nil : $0.name }, overflow)
    }

    /// Reads pending events with the directory each came from. `overflow` as for `drain()`.
    public func drainEvents() -> (events: [Event], overflow: Bool) {
        var events: [Event] = []
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
                    var name = ""
                    if len > 0 {
                        let bytes = raw[(off + header)..<(off + header + len)]
                        name = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    if ev.mask & UInt32(IN_Q_OVERFLOW) == 0 {
                        let removed = ev.mask & UInt32(IN_DELETE | IN_MOVED_FROM | IN_IGNORED | IN_DELETE_SELF) != 0
                        events.append(Event(directory: paths.withLock { $0[ev.wd] }, name: name, removed: removed))
                    }
                    off += header + len
                }
            }
        }
        #endif
        return (events, overflow)
    }
}
