import QueueSystem

/// `<host>-<pid>-<starttime>`: names a process on a host, robust against pid reuse. It is the
/// worker id and prefixes tmp/ names, so fsck can tell whose a file is.
///
/// The host part is the host name escaped injectively into `[A-Za-z0-9_]`: letters and digits
/// stay, every other byte becomes `_XX` (upper-case hex), so `a.b`, `a_b` and `a-b` stay
/// distinct (`a_2Eb`, `a_5Fb`, `a_2Db`) and the tag splits on `-` unambiguously. An escaped
/// name longer than 64 characters is cut to 47 and followed by `_` and a 16-digit hash of
/// the whole name (file names must stay under 255 bytes).
public struct ProcessTag: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    /// The escaped host name.
    public let host: String
    public let pid: Int32
    public let startTime: UInt64

    /// A tag for the process `pid` on the host named `hostName` (escaped here).
    public init(hostName: String, pid: Int32, startTime: UInt64) {
        self.init(escapedHost: ProcessTag.escape(hostName), pid: pid, startTime: startTime)
    }

    /// A tag whose host part is already escaped (as in `ProcessTag.current.host`).
    public init(escapedHost: String, pid: Int32, startTime: UInt64) {
        host = escapedHost; self.pid = pid; self.startTime = startTime
        rawValue = "\(escapedHost)-\(pid)-\(startTime)"
    }

    /// Parses a tag; nil if malformed.
    public init?(_ raw: some StringProtocol) {
        let parts = raw.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let pid = Int32(parts[1]), let st = UInt64(parts[2]) else { return nil }
        let host = String(parts[0])
        guard !host.isEmpty, host.utf8.count <= 64,
              host.utf8.allSatisfy({ ProcessTag.isKept($0) || $0 == UInt8(ascii: "_") }) else { return nil }
        self.init(escapedHost: host, pid: pid, startTime: st)
    }

    public static let current: ProcessTag = {
        let me = ProcessIdentity.current()
        return ProcessTag(hostName: me.host, pid: me.pid, startTime: me.startTime)
    }()

    private static func isKept(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    /// The injective escape of a host name described above.
    static func escape(_ hostName: String) -> String {
        guard !hostName.isEmpty else { return "_" }  // no escape produces a lone "_"
        let out = NameHash.underscoreEscaped(hostName.utf8)
        guard out.utf8.count > 64 else { return out }
        return String(out.prefix(47)) + "_" + NameHash.hex(hostName.utf8)
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
