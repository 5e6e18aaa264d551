/// A job's idempotency key (`enqueue --unique-key KEY`, JSON field `unique_key`): while a job
/// holding the key is pending, processing, failed (waiting for its retry), held or waiting,
/// an enqueue with the same key creates nothing and answers that job's id.
///
/// Valid keys: 1...200 bytes of UTF-8 without control characters (C0, DEL, C1); anything else
/// is refused as invalid input (exit 2). The key's marker in `keys/` is named by an injective
/// escape (`fileName`), so any key maps to a safe file name.
public struct UniqueKey: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    /// The longest key, in bytes of UTF-8.
    public static let maxBytes = 200

    /// - Throws: `QueueError.invalidJob` naming the problem.
    public init(_ raw: String) throws(QueueError) {
        guard !raw.isEmpty else { throw .invalidJob("unique key is empty") }
        guard raw.utf8.count <= UniqueKey.maxBytes else {
            throw .invalidJob("unique key is \(raw.utf8.count) bytes long; at most \(UniqueKey.maxBytes) are allowed")
        }
        for s in raw.unicodeScalars where s.value < 0x20 || s.value == 0x7f || (0x80...0x9f).contains(s.value) {
            throw .invalidJob("unique key \(JobID.printable(raw)) contains a control character")
        }
        rawValue = raw
    }

    public var description: String { rawValue }

    /// The marker's name in `keys/`: letters and digits stay, every other byte of the key becomes
    /// `_XX` (upper-case hex), so two keys never share a name and no name contains `.` or `/`.
    /// An escaped name over 180 characters is cut to 163 and followed by `_` and a 16-digit
    /// FNV-1a 64 hash of the whole key. The marker holds the key itself, which is compared on
    /// every read, so even a hash collision cannot make one key block another.
    public var fileName: String {
        let out = "k" + NameHash.underscoreEscaped(rawValue.utf8)
        guard out.utf8.count > 180 else { return out }
        return String(out.prefix(163)) + "_" + NameHash.hex(rawValue.utf8)
    }
}

extension Job {
    /// The `unique_key` field as stored (kept among the job's other fields); nil when absent or
    /// null. `Spool.enqueueIdempotent` validates it.
    public var uniqueKey: String? {
        get { extra["unique_key"]?.stringValue }
        set { extra["unique_key"] = newValue.map { .string($0) } }
    }

    /// The job's key, validated; nil when it has none.
    /// - Throws: `QueueError.invalidJob` when `unique_key` is not a string or not a valid key.
    public func validatedUniqueKey() throws(QueueError) -> UniqueKey? {
        guard let v = extra["unique_key"], !v.isNull else { return nil }
        guard let s = v.stringValue else { throw .invalidJob("field 'unique_key' must be a string") }
        return try UniqueKey(s)
    }
}
