#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Reading the event log (`queuectl events`): the rotated files oldest first, then
/// `events/events.log`, and with `follow` the lines appended later, across rotations.
/// Memory is bounded by `lastLines` (a ring of lines) and one 64 KiB read buffer.
public enum EventLogReader {
    /// Calls `emit` with the lines of the log (without their `\n`), oldest first: every line, or
    /// only the last `lastLines`. With `follow`, then waits for new lines (polling every
    /// `pollInterval` seconds) until `shouldStop()` returns true, reopening `events.log` when it
    /// was rotated away (the old file is still drained for 2 s, for a writer that appended to it
    /// just before it noticed the rotation). `emit` gets the lines of one read at a time.
    public static func read(_ spool: Spool, lastLines: Int?, follow: Bool, pollInterval: Double = 0.1,
                            shouldStop: () -> Bool, emit: ([String]) -> Void) {
        let base = spool.eventLogPath
        var current = Tail(path: base)
        var ring = LineRing(limit: lastLines)
        let keep = ((try? spool.config())?.eventLogKeep ?? 3)
        for k in stride(from: max(keep, 3) + 10, through: 1, by: -1) {
            var rotated = Tail(path: "\(base).\(k)")
            if rotated.fd >= 0 { rotated.drain { ring.add($0) }; rotated.close() }
        }
        current.drain { ring.add($0) }
        emit(ring.lines)
        guard follow else { current.close(); return }
        var old: (tail: Tail, until: UInt64)?
        while !shouldStop() {
            var batch: [String] = []
            if var o = old {
                o.tail.drain { batch.append($0) }
                if MonotonicClock.nanos() >= o.until { o.tail.close(); old = nil } else { old = o }
            }
            current.drain { batch.append($0) }
            if let st = try? FileStatus.of(base), st.inode != current.inode || current.fd < 0 {
                // Rotated (or created): read what the old file still has, switch to the new one.
                current.drain { batch.append($0) }
                if let o = old { o.tail.close() }
                old = current.fd >= 0 ? (current, MonotonicClock.nanos() + 2_000_000_000) : nil
                current = Tail(path: base)
                current.drain { batch.append($0) }
            }
            if !batch.isEmpty { emit(batch); continue }
            var slept = 0.0
            while slept < pollInterval && !shouldStop() { usleep(20_000); slept += 0.02 }
        }
        current.close()
        old?.tail.close()
    }

    /// True when the reader of standard output went away (a closed pipe: `events --follow | head`),
    /// so a follower can end instead of writing into nothing forever (SIGPIPE is ignored).
    public static func standardOutputClosed() -> Bool {
        var p = pollfd(fd: 1, events: 0, revents: 0)
        return poll(&p, 1, 0) == 1 && p.revents & Int16(POLLERR | POLLHUP) != 0
    }

    /// An open file read to its end, keeping an incomplete last line for the next drain.
    struct Tail {
        var fd: Int32
        var inode: UInt64 = 0
        var partial: [UInt8] = []

        init(path: String) {
            fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            var st = stat()
            if fd >= 0, fstat(fd, &st) == 0 { inode = UInt64(st.st_ino) }
        }

        mutating func drain(_ line: (String) -> Void) {
            guard fd >= 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                var start = 0
                for i in 0..<n where buffer[i] == 0x0A {
                    partial.append(contentsOf: buffer[start..<i])
                    line(String(decoding: partial, as: UTF8.self))
                    partial.removeAll(keepingCapacity: true)
                    start = i + 1
                }
                partial.append(contentsOf: buffer[start..<n])
                if partial.count > 1 << 20 { partial.removeAll() }  // not a line of ours
            }
        }

        func close() { if fd >= 0 { _ = Glibc.close(fd) } }
    }

    /// The last `limit` lines added (all when `limit` is nil).
    struct LineRing {
        let limit: Int?
        private var items: [String] = []
        private var start = 0

        init(limit: Int?) { self.limit = limit }

        mutating func add(_ s: String) {
            guard let limit else { items.append(s); return }
            guard limit > 0 else { return }
            if items.count < limit { items.append(s) } else { items[start] = s; start = (start + 1) % limit }
        }

        var lines: [String] { Array(items[start...] + items[..<start]) }
    }
}
