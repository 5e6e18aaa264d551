import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `Timestamp.iso8601` and `.compact`, written digit by digit, against an independent
/// reference (glibc's `gmtime_r` and `String(format:)`), over the whole range a job may carry.
@Suite("timestamp formatting")
struct TimestampFormatTests {
    func reference(_ t: Timestamp) -> (iso: String, compact: String) {
        var secs = t.micros / 1_000_000
        var frac = t.micros % 1_000_000
        if frac < 0 { frac += 1_000_000; secs -= 1 }
        var tt = time_t(secs)
        var parts = tm()
        gmtime_r(&tt, &parts)  // proleptic Gregorian, as the format promises (Foundation's calendar is Julian before 1582)
        let c = (year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
                 hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec))
        let iso = String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", c.year, c.month, c.day, c.hour, c.minute, c.second, Int(frac))
        let compact = String(format: "%04d%02d%02dT%02d%02d%02d%06dZ", c.year, c.month, c.day, c.hour, c.minute, c.second, Int(frac))
        return (iso, compact)
    }

    @Test func matchesTheReferenceAndParsesBack() {
        var samples = [TimeLimits.earliest, TimeLimits.latest, Timestamp(micros: 0), Timestamp(micros: -1),
                       Timestamp(micros: 1_796_308_396_287_580), Timestamp(micros: 951_782_400_000_001)]  // 2000-02-29
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            samples.append(Timestamp(micros: Int64.random(in: TimeLimits.earliest.micros...TimeLimits.latest.micros, using: &rng)))
        }
        for t in samples {
            let want = reference(t)
            #expect(t.iso8601 == want.iso, "\(t.micros)")
            #expect(t.compact == want.compact, "\(t.micros)")
            #expect(Timestamp(iso8601: t.iso8601) == t)
            #expect(Timestamp(compact: Substring(t.compact)) == t)
        }
    }
}
