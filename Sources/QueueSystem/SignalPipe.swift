#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// SIGTERM/SIGINT for a whole process: the handlers count the signals and wake a thread that
/// passes each one on to the process's own code (a command line tool's business: a library
/// such as a `Worker` never installs handlers; it offers `stop()`). Handlers are installed once
/// with `sigaction` (no SA_RESTART); SIGPIPE is ignored.
public enum ShutdownSignal {
    /// Number of TERM/INT signals received.
    static let count = Atomic<Int>(0)
    /// The write end of the channel the handler writes to (set once by `install`).
    static let wakeFD = Atomic<Int32>(-1)
    /// Keeps the channel open for the life of the process.
    nonisolated(unsafe) static var channel: WakeChannel?
    static let installed = Atomic<Bool>(false)

    /// Installs the handlers and starts a thread that calls `handler` with the number of
    /// signals received so far (1 for the first, 2 for the second...), once per wake-up, from
    /// that thread (never from the signal handler). Call once per process, before the work the
    /// signals should stop begins; later calls do nothing.
    public static func install(_ handler: @escaping @Sendable (_ count: Int) -> Void) {
        guard !installed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let wake = WakeChannel()
        channel = wake
        wakeFD.store(wake.writeEnd, ordering: .releasing)
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
        DetachedThread.start {
            var seen = 0
            while true {
                wake.sleep(alsoWatching: [], timeoutMilliseconds: 1000)
                let n = count.load(ordering: .relaxed)
                if n > seen { seen = n; handler(n) }
            }
        }
    }
}

/// The signal handler: async-signal-safe (an atomic add and a write).
private func onShutdownSignal(_ sig: Int32) {
    ShutdownSignal.count.add(1, ordering: .relaxed)
    let fd = ShutdownSignal.wakeFD.load(ordering: .relaxed)
    if fd >= 0 { var b: UInt8 = 1; _ = write(fd, &b, 1) }
}
