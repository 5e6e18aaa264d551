/// `<host>-<pid>-<starttime>`: names a process on a host, robust against pid reuse. It is the
/// worker id and prefixes tmp/ names, so fsck can tell whose a file is. The host part keeps
/// only `[A-Za-z0-9]` (other characters become `_`).
public struct ProcessTag: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public let host: String
    public let pid: Int32
    public let startTime: UInt64

    public init(host: String, pid: Int32, startTime: UInt64) {
        let h = ProcessTag.sanitize(host)
        self.host = h; self.pid = pid; self.startTime = startTime
        rawValue = "\(h)-\(pid)-\(startTime)"
    }

    /// Parses a tag; nil if malformed.
    public init?(_ raw: some StringProtocol) {
        let parts = raw.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), let st = UInt64(parts[parts.count - 1]) else { return nil }
        let host = parts.dropLast(2).joined(separator: "-")
        guard !host.isEmpty, ProcessTag.sanitize(host) == host else { return nil }
        self.init(host: host, pid: pid, startTime: st)
    }

    public static let current: ProcessTag = {
        let me = ProcessIdentity.current()
        return ProcessTag(host: me.host, pid: me.pid, startTime: me.startTime)
    }()

    static func sanitize(_ host: String) -> String {
        let s = String(host.unicodeScalars.map { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) ? Character($0) : "_" })
        return s.isEmpty ? "host" : String(s.prefix(64))
    }

    /// True for a process on this host that no longer exists (or whose pid was reused).
    public var isDeadOnThisHost: Bool {
        guard host == ProcessTag.current.host else { return false }
        guard let now = ProcessIdentity.startTime(of: pid) else { return true }
        return now != startTime
    }

    public var isOnThisHost: Bool { host == ProcessTag.current.host }
    public var description: String { rawValue }
}
