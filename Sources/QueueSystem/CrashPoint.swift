#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A documented test hook: when the environment variable `QUEUECTL_CRASH_AT` names a step
/// (e.g. `enqueue:renamed`), the process kills itself with SIGKILL right after that step, as
/// a `kill -9` or power cut would stop it. `QUEUECTL_CRASH_SKIP=N` lets the first N hits pass.
/// Unset (the normal case) it costs one atomic load.
public enum CrashPoint {
    private static let target: String? = {
        guard let p = getenv("QUEUECTL_CRASH_AT") else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }()
    private static let remainingSkips = Atomic<Int>(getenv("QUEUECTL_CRASH_SKIP").flatMap { Int(String(cString: $0)) } ?? 0)

    /// Every step name, for tests and documentation.
    public static let steps = [
        "enqueue:reserved", "enqueue:keyed", "enqueue:written", "enqueue:renamed",
        "claim:renamed", "claim:rewritten",
        "move:rewritten", "move:renamed", "fence:moved", "fence:published",
        "archive:staged", "archive:appended", "archive:removed",
    ]

    @inline(__always)
    public static func hit(_ step: String, _ detail: @autoclosure () -> String = "") {
        guard let target else { return }
        let qualified = detail().isEmpty ? step : "\(step):\(detail())"
        guard target == step || target == qualified else { return }
        if remainingSkips.subtract(1, ordering: .relaxed).oldValue > 0 { return }
        kill(getpid(), SIGKILL)
    }
}
