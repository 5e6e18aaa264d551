/// A concurrency group (`enqueue --group NAME`, the job's `group` field): at most
/// `group.NAME.limit` jobs of one group run at once across every worker sharing the spool
/// (`GroupSlots.swift`). The name becomes a directory name (`groups/NAME/`), so it follows the
/// rules of a job id (`JobID.problem(with:)`).
public struct GroupName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// - Throws: `QueueError.invalidJob` naming what is wrong (the CLI exits 2).
    public init(_ raw: String) throws(QueueError) {
        if let problem = JobID.problem(with: raw) {
            throw .invalidJob("invalid group name \(JobID.printable(raw)): \(problem) (a group name follows the rules of a job id)")
        }
        rawValue = raw
    }

    public static func < (a: GroupName, b: GroupName) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }
}

extension Job {
    /// The job's concurrency group, kept in its JSON as `group` (absent or null: none).
    /// Validated when the job is decoded (`checkGroupField`), so a stored job's group is valid.
    public var group: GroupName? {
        get {
            guard case .string(let s)? = extra["group"] else { return nil }
            return try? GroupName(s)
        }
        set { extra["group"] = newValue.map { .string($0.rawValue) } }
    }

    /// Checks a decoded `group` field: absent, null, or a string that is a valid group name.
    /// - Throws: `QueueError.invalidJob` otherwise (a dropped file with a bad group is quarantined).
    static func checkGroupField(_ value: JSONValue?) throws(QueueError) {
        guard let value, !value.isNull else { return }
        guard let s = value.stringValue else { throw .invalidJob("field 'group' must be a string (a group name)") }
        _ = try GroupName(s)
    }
}
