#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Wall-clock time as microseconds since the Unix epoch (UTC). Job files store ISO-8601 text;
/// file names store the compact form `YYYYMMDDTHHMMSSffffffZ`, which sorts as text in time order.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var micros: Int64
    public init(micros: Int64) { self.micros = micros }

    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(micros: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.micros < b.micros }

    /// This instant moved by `seconds` (negative moves back), clamped to
    /// `TimeLimits.earliest...TimeLimits.latest`; never traps, whatever `seconds` is.
    public func adding(seconds: Double) -> Timestamp {
        let (sum, overflow) = micros.addingReportingOverflow(TimeLimits.micros(seconds))
        if overflow { return seconds < 0 ? TimeLimits.earliest : TimeLimits.latest }
        return TimeLimits.clamped(Timestamp(micros: sum))
    }

    public var secondsSinceEpoch: Double { Double(micros) / 1_000_000 }

    private func brokenDown() -> (tm, Int64) {
        var secs = time_t(micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000)
        let frac = micros - Int64(secs) * 1_000_000
        var parts = tm()
        gmtime_r(&secs, &parts)
        return (parts, frac)
    }

    private static func pad(_ v: some BinaryInteger, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `2026-11-24T07:15:00.123456Z` (microseconds; what job JSON stores).
    public var iso8601: String { formatted(iso: true) }

    /// `20261124T071500123456Z` (microseconds; what file names carry).
    public var compact: String { formatted(iso: false) }

    /// Both forms, written digit by digit into the string's own storage (one allocation: a
    /// worker formats several timestamps per job). Years outside 0...9999 (never produced:
    /// `TimeLimits` bounds every timestamp) keep the old, generic formatting.
    private func formatted(iso: Bool) -> String {
        let (t, frac) = brokenDown()
        let year = Int(t.tm_year) + 1900
        guard (0...9999).contains(year) else { return genericFormatted(t, frac, iso: iso) }
        return String(unsafeUninitializedCapacity: iso ? 27 : 22) { buffer in
            var i = 0
            func put(_ value: Int, _ width: Int, then separator: UInt8) {
                var v = value
                for k in stride(from: width - 1, through: 0, by: -1) {
                    buffer[i + k] = UInt8(48 + v % 10)
                    v /= 10
                }
                i += width
                if separator != 0 { buffer[i] = separator; i += 1 }
            }
            put(year, 4, then: iso ? 0x2D : 0)            // -
            put(Int(t.tm_mon) + 1, 2, then: iso ? 0x2D : 0)
            put(Int(t.tm_mday), 2, then: 0x54)            // T
            put(Int(t.tm_hour), 2, then: iso ? 0x3A : 0)  // :
            put(Int(t.tm_min), 2, then: iso ? 0x3A : 0)
            put(Int(t.tm_sec), 2, then: iso ? 0x2E : 0)   // .
            put(Int(frac), 6, then: 0x5A)                 // Z
            return i
        }
    }

    private func genericFormatted(_ t: tm, _ frac: Int64, iso: Bool) -> String {
        if iso {
            return "\(Self.pad(Int(t.tm_year) + 1900, 4))-\(Self.pad(t.tm_mon + 1, 2))-\(Self.pad(t.tm_mday, 2))T"
                + "\(Self.pad(t.tm_hour, 2)):\(Self.pad(t.tm_min, 2)):\(Self.pad(t.tm_sec, 2)).\(Self.pad(frac, 6))Z"
        }
        return "\(Self.pad(Int(t.tm_year) + 1900, 4))\(Self.pad(t.tm_mon + 1, 2))\(Self.pad(t.tm_mday, 2))T"
            + "\(Self.pad(t.tm_hour, 2))\(Self.pad(t.tm_min, 2))\(Self.pad(t.tm_sec, 2))\(Self.pad(frac, 6))Z"
    }

    public var description: String { iso8601 }

    /// Parses the compact file-name form; nil if malformed.
    public init?(compact s: Substring) {
        self.init(compactBytes: Array(s.utf8))
    }

    /// Parses the compact form from 22 raw bytes.
    public init?(compactBytes raw: some RandomAccessCollection<UInt8>) {
        guard raw.count == 22 else { return nil }
        let start = raw.startIndex
        func at(_ i: Int) -> UInt8 { raw[raw.index(start, offsetBy: i)] }
        guard at(8) == UInt8(ascii: "T"), at(21) == UInt8(ascii: "Z") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r { let c = at(i); guard c >= 48 && c <= 57 else { return nil }; v = v * 10 + Int(c - 48) }
            return v
        }
        guard let y = num(0..<4), let mo = num(4..<6), let d = num(6..<8), let h = num(9..<11),
              let mi = num(11..<13), let se = num(13..<15), let us = num(15..<21) else { return nil }
        guard let secs = Self.epochSeconds(y, mo, d, h, mi, se) else { return nil }
        micros = secs * 1_000_000 + Int64(us)
    }

    /// Parses ISO-8601: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`. A zone is required;
    /// nil when malformed or outside `TimeLimits.earliest...TimeLimits.latest` (UTC).
    public init?(iso8601 s: String) {
        let u = Array(s.utf8)
        func num(_ i: Int, _ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for k in i..<(i + n) { let c = u[k]; guard c >= 48 && c <= 57 else { return nil }; v = v * 10 + Int(c - 48) }
            return v
        }
        guard u.count >= 20, u[4] == 45, u[7] == 45, u[10] == 84 || u[10] == 116, u[13] == 58, u[16] == 58,
              let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2),
              let mi = num(14, 2), let se = num(17, 2) else { return nil }
        var i = 19
        var fracMicros: Int64 = 0
        if i < u.count, u[i] == 46 {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if digits < 6 { fracMicros = fracMicros * 10 + Int64(u[i] - 48) }
                digits += 1; i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { fracMicros *= 10 }
        }
        guard i < u.count else { return nil }
        var offset = 0
        if u[i] == 90 || u[i] == 122 {
            i += 1
        } else if u[i] == 43 || u[i] == 45, let oh = num(i + 1, 2), i + 3 < u.count, u[i + 3] == 58, let om = num(i + 4, 2) {
            offset = (oh * 60 + om) * 60 * (u[i] == 43 ? 1 : -1)
            i += 6
        } else { return nil }
        guard i == u.count, let secs = Self.epochSeconds(y, mo, d, h, mi, se) else { return nil }
        let m = (secs - Int64(offset)) * 1_000_000 + fracMicros
        // A zone offset can move 9999-12-31 or 0000-01-01 out of the 4-digit years of names.
        guard m >= TimeLimits.earliest.micros && m <= TimeLimits.latest.micros else { return nil }
        micros = m
    }

    private static func epochSeconds(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Int64? {
        guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        var t = tm()
        t.tm_year = Int32(y - 1900); t.tm_mon = Int32(mo - 1); t.tm_mday = Int32(d)
        t.tm_hour = Int32(h); t.tm_min = Int32(mi); t.tm_sec = Int32(s)
        let r = timegm(&t)
        // timegm normalises 31 February to March: reject dates that moved.
        guard t.tm_mday == Int32(d), t.tm_mon == Int32(mo - 1) else { return nil }
        return Int64(r)
    }
}
