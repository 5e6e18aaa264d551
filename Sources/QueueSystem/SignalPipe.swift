#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CQueueShims
import Synchronization

/// Process-wide shutdown flag set by SIGTERM/SIGINT, plus a self-pipe that wakes any `poll()`.
/// Handlers are installed once with `sigaction` (no SA_RESTART).
public enum ShutdownSignal {
    /// Number of TERM/INT signals received.
    public static let count = Atomic<Int>(0)
    static let pipeRead = Atomic<Int32>(-1)
    static let pipeWrite = Atomic<Int32>(-1)

    /// Installs the handlers and creates the wake pipe. Idempotent.
    public static func install() {
        if pipeRead.load(ordering: .acquiring) >= 0 { return }
        var fds: [Int32] = [-1, -1]
        _ = cq_pipe_cloexec_nonblock(&fds)
        pipeRead.store(fds[0], ordering: .releasing)
        pipeWrite.store(fds[1], ordering: .releasing)
        for sig in [SIGTERM, SIGINT] {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = onShutdownSignal
            #else
            action.__sigaction_u.__sa_handler = onShutdownSignal
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
        signal(SIGPIPE, SIG_IGN)
    }

    /// The fd to include in `poll()` for wake-ups (signals and `wake()`).
    public static var wakeFD: Int32 { pipeRead.load(ordering: .acquiring) }

    /// Wakes the poller (from any thread).
    public static func wake() {
        let fd = pipeWrite.load(ordering: .acquiring)
        if fd >= 0 { var b: UInt8 = 1; _ = Glibc.write(fd, &b, 1) }
    }

    /// Empties the wake pipe.
    public static func drain() {
        let fd = pipeRead.load(ordering: .acquiring)
        guard fd >= 0 else { return }
        var buf = [UInt8](repeating: 0, count: 256)
        while Glibc.read(fd, &buf, buf.count) > 0 {}
    }

    public static var requested: Bool { count.load(ordering: .relaxed) > 0 }
}

/// The signal handler: async-signal-safe (an atomic add and a write).
func onShutdownSignal(_ sig: Int32) {
    ShutdownSignal.count.add(1, ordering: .relaxed)
    let fd = ShutdownSignal.pipeWrite.load(ordering: .relaxed)
    if fd >= 0 { var b: UInt8 = 1; _ = write(fd, &b, 1) }
}
