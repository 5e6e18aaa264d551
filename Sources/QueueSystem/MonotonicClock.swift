#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A monotonic clock for measuring intervals, in nanoseconds. Corresponds to
/// `clock_gettime(CLOCK_MONOTONIC)`.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point (boot); never goes back.
    public static func nanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// The monotonic instant `nanoseconds` after `start`; saturates at `UInt64.max` instead of
    /// overflowing.
    public static func deadline(afterNanos nanoseconds: UInt64, from start: UInt64 = nanos()) -> UInt64 {
        let (sum, overflow) = start.addingReportingOverflow(nanoseconds)
        return overflow ? UInt64.max : sum
    }
}
