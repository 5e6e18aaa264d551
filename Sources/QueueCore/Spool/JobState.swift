/// The states a job can be in. Each is a directory of the spool; the JSON `state` field mirrors it.
public enum JobState: String, CaseIterable, Sendable, Codable {
    case pending, processing, completed, failed, dead, held, waiting

    /// The directory name under the spool root.
    public var directory: String { rawValue }

    /// States whose files are named `<rank>.<due>.<id>.json` so a claimer can order them by name.
    public var isOrdered: Bool { self == .pending || self == .failed }

    /// States a job leaves only by an explicit command.
    public var isTerminal: Bool { self == .completed || self == .dead }
}
