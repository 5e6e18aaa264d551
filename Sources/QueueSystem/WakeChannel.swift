#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CQueueShims

/// A self-pipe that wakes a thread sleeping in `poll()`: any thread (or a signal handler)
/// calls `wake()`, the sleeper includes `fd` in its poll set and calls `drain()` after waking.
/// Each owner has its own channel, so several loops in one process never steal each other's
/// wake-ups. Both ends are non-blocking and close-on-exec; they are closed on deinit.
/// Corresponds to `pipe2(2)` with `O_CLOEXEC | O_NONBLOCK`.
public final class WakeChannel: @unchecked Sendable {
    /// The read end, to poll for `POLLIN`; -1 when the pipe could not be created (then polls
    /// simply time out, and wake-ups are late rather than lost).
    public let fd: CInt
    /// The write end (for a signal handler, which must not touch a class reference).
    let writeEnd: CInt

    public init() {
        var fds: [CInt] = [-1, -1]
        if cq_pipe_cloexec_nonblock(&fds) != 0 { fds = [-1, -1] }
        fd = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        if fd >= 0 { _ = close(fd) }
        if writeEnd >= 0 { _ = close(writeEnd) }
    }

    /// Makes `fd` readable. Async-signal-safe; never blocks (a full pipe is already readable).
    public func wake() {
        guard writeEnd >= 0 else { return }
        var b: UInt8 = 1
        _ = write(writeEnd, &b, 1)
    }

    /// Empties the pipe (call after waking).
    public func drain() {
        guard fd >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(fd, &buffer, buffer.count) > 0 {}
    }

    /// Sleeps until `fd` or one of `others` is readable, or `timeoutMilliseconds` pass; then
    /// drains this channel. Descriptors that are -1 are ignored. Corresponds to `poll(2)`
    /// (an interrupted poll simply returns early: the caller's loop looks again).
    public func sleep(alsoWatching others: [CInt], timeoutMilliseconds: CInt) {
        var fds = ([fd] + others).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        _ = poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
        drain()
    }
}
