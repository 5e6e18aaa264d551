import QueueSystem

/// SIGTERM and SIGINT, for a command line tool (the CLI is on the core only, and a `Worker` never
/// installs signal handlers: an embedding server keeps its own). The handler runs on a thread
/// of its own, never in the signal handler, with the number of signals received so far.
public enum TerminationSignals {
    /// Installs process-wide handlers for SIGTERM and SIGINT (and ignores SIGPIPE); each
    /// signal then calls `handler` with the count so far (1, 2...; two signals in quick
    /// succession may be reported once, as 2). Call once per process; later calls do nothing.
    public static func handle(_ handler: @escaping @Sendable (_ count: Int) -> Void) {
        ShutdownSignal.install(handler)
    }
}
