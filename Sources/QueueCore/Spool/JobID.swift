import Synchronization

/// A validated job id. It becomes part of file names, so it is restricted:
/// 1...128 bytes of UTF-8, no `/`, no NUL or other control characters, not `.` or `..` and
/// containing no `..`, not starting with `.` or `-` (so `ls`, shells and dotfile rules are safe),
/// no whitespace, and not ending in `.json` or `.tmp`.
public struct JobID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public static let maxLength = 128

    /// - Throws: `QueueError.invalidID` naming what is wrong.
    public init(_ raw: String) throws(QueueError) {
        if let problem = JobID.problem(with: raw) { throw QueueError.invalidID(raw, problem) }
        rawValue = raw
    }

    init(unchecked raw: String) { rawValue = raw }

    public static func isValid(_ raw: String) -> Bool { problem(with: raw) == nil }

    /// The fast path of validation for names read from directories: true when `bytes` are a
    /// valid id made only of visible ASCII (`!`...`~`). False says only "use `isValid`".
    static func isValidVisibleASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = bytes.count
        guard n > 0, n <= maxLength, bytes[0] != UInt8(ascii: "."), bytes[0] != UInt8(ascii: "-") else { return false }
        var previous: UInt8 = 0
        for b in bytes {
            guard b >= 0x21, b <= 0x7E, b != UInt8(ascii: "/") else { return false }
            if b == UInt8(ascii: "."), previous == UInt8(ascii: ".") { return false }
            previous = b
        }
        func ends(_ suffix: StaticString) -> Bool {
            let k = suffix.utf8CodeUnitCount
            return n >= k && (0..<k).allSatisfy { bytes[n - k + $0] == suffix.utf8Start[$0] }
        }
        return !ends(".json") && !ends(".tmp")
    }

    /// Why `raw` is not a valid id, or nil when it is.
    public static func problem(with raw: String) -> String? {
        let bytes = Array(raw.utf8)
        if bytes.isEmpty { return "it is empty" }
        if bytes.count > maxLength { return "it is longer than \(maxLength) bytes" }
        if bytes.contains(UInt8(ascii: "/")) { return "it contains '/'" }
        if zip(bytes, bytes.dropFirst()).contains(where: { $0 == 46 && $1 == 46 }) { return "it contains '..'" }
        if raw.hasPrefix(".") { return "it starts with '.'" }
        if raw.hasPrefix("-") { return "it starts with '-'" }
        if raw.hasSuffix(".json") || raw.hasSuffix(".tmp") { return "it ends in .json or .tmp" }
        for scalar in raw.unicodeScalars {
            if scalar.value == 0 { return "it contains a NUL byte" }
            if scalar.value < 0x20 || scalar.value == 0x7f || (0x80...0x9f).contains(scalar.value) {
                return "it contains a control character"
            }
            if scalar.properties.isWhitespace { return "it contains white space" }
            if scalar == "\u{FFFD}" { return "it is not valid UTF-8" }
        }
        return nil
    }

    public static func < (a: JobID, b: JobID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }

    /// A new id, unique and sortable by creation time: `j` + UTC time to the microsecond
    /// (strictly increasing within a process) + 4 random hex digits (unique across processes).
    public static func generate(now: Timestamp = .now()) -> JobID {
        var rng = SystemRandomNumberGenerator()
        return generate(now: now, random: rng.next())
    }

    /// `generate(now:)` with the random part taken from `random` (its low 16 bits).
    static func generate(now: Timestamp, random: UInt64) -> JobID {
        let micros = lastGenerated.withLock { last -> Int64 in
            last = max(last + 1, now.micros)
            return last
        }
        let r = String(random & 0xffff, radix: 16)
        let hex = String(repeating: "0", count: 4 - r.count) + r
        return JobID(unchecked: "j\(Timestamp(micros: micros).compact.dropLast())\(hex)")
    }

    static let lastGenerated = Mutex<Int64>(0)  // also used by BatchIDs.id (BatchEnqueue.swift)
}
