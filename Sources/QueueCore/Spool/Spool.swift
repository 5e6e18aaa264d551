#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import QueueSystem

/// A spool directory: the only storage and the only coordination of the queue.
///
/// Layout (see spool-layout.md): `tmp/ pending/ processing/ completed/ failed/ dead/ held/
/// waiting/ corrupt/ ids/ logs/ workers/ stats/` and `config.json`. Every state change is a `rename(2)` between
/// these directories.
public struct Spool: Sendable {
    public let root: String

    /// Directories created in every spool.
    public static let directories = ["tmp", "pending", "processing", "completed", "failed", "dead", "held", "waiting",
                                     "corrupt", "ids", "logs", "workers", "stats"]

    public init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    public func path(_ parts: String...) -> String { ([root] + parts).joined(separator: "/") }
    public func directory(_ state: JobState) -> String { path(state.directory) }
    public var tmpDirectory: String { path("tmp") }
    public var configPath: String { path("config.json") }
    public var pausedFlagPath: String { path("paused") }
    public func logPath(_ id: JobID) -> String { path("logs", "\(id.rawValue).log") }
    public func markerPath(_ id: JobID) -> String { path("ids", id.rawValue) }

    /// Creates the spool and its directories (mode 0700) if missing. Idempotent. Every directory
    /// this call creates is made durable: its parent is fsynced after it was created (the spool
    /// root's parent, then the root once for the state directories), so the first acknowledged
    /// `enqueue` on a new spool survives a power cut. Nothing is fsynced when nothing was created.
    /// - Throws: `QueueError.spoolUnusable` naming the path and the reason.
    public func create() throws(QueueError) {
        do {
            try makeParents(root)
            var created = false
            for d in Spool.directories where try FileSystem.makeDirectory(path(d)) { created = true }
            if created { try FileSystem.syncDirectory(root) }
        } catch {
            throw .systemFailure(action: "cannot create spool \(root)", error)
        }
    }

    private func makeParents(_ dir: String) throws(SystemError) {
        if (try? FileStatus.of(dir, followLinks: true)) != nil { return }
        let parent = dir.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !parent.isEmpty { try makeParents(parent) }
        if try FileSystem.makeDirectory(dir) { try FileSystem.syncDirectory(parent.isEmpty ? (dir.hasPrefix("/") ? "/" : ".") : parent) }
    }

    /// Reads the config (defaults when there is none).
    public func config() throws(QueueError) -> Config { try Config.load(from: configPath) }

    /// Problems that make the spool unsafe to run jobs from: group- or world-writable
    /// directories, or directories owned by another user. Empty when safe.
    public func permissionProblems() -> [String] {
        var problems: [String] = []
        let me = geteuid()
        for p in [root] + Spool.directories.map({ path($0) }) {
            guard let st = try? FileStatus.of(p) else { continue }
            if st.kind == .symlink { problems.append("\(p) is a symlink"); continue }
            if st.mode & 0o022 != 0 { problems.append("\(p) is writable by other users (mode \(String(st.mode, radix: 8)))") }
            if st.uid != me { problems.append("\(p) is owned by uid \(st.uid), not you (uid \(me))") }
        }
        return problems
    }

    /// A unique name in tmp/ for this process: `<process-tag>.<seq>.<label>.tmp`.
    func tmpName(_ label: String) -> String {
        path("tmp", "\(ProcessTag.current.rawValue).\(TmpCounter.next()).\(label).tmp")
    }
}

/// A process-unique counter for tmp/ names.
enum TmpCounter {
    static let value = Mutex<UInt64>(0)
    static func next() -> UInt64 { value.withLock { $0 += 1; return $0 } }
}
