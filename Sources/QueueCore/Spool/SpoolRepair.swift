import QueueSystem

/// Putting back spool directories removed while the queue runs (`rm -rf completed/`, `mv logs
/// away`). A missing state directory is not a lost job: the files it held are gone, but what
/// is still to be written there (an outcome, a claim, a log) must not be dropped for it.
extension Spool {
    /// The directories of `Spool.directories` that do not exist (names, e.g. "completed").
    /// One `stat` each; only ENOENT counts as missing (ENOTCONN, EIO... say nothing about it:
    /// a shared filesystem that is briefly unreachable must not look like a removed layout).
    public func missingDirectories() -> [String] {
        Spool.directories.filter { name in
            do {
                _ = try FileStatus.of(path(name), followLinks: true)
                return false
            } catch {
                return (error as? SystemError)?.isNotFound ?? false
            }
        }
    }

    /// Recreates every missing spool directory (`create`, which is idempotent and fsyncs the
    /// root after creating any) and returns the names it recreated; empty when nothing was
    /// missing. Each recreation is also queued for `takeLayoutRepairs`, so a worker can warn
    /// about repairs made on its other threads (a finish, a job start).
    /// - Throws: `QueueError.spoolUnusable` when a directory cannot be created.
    @discardableResult
    public func repairLayout() throws(QueueError) -> [String] {
        let missing = missingDirectories()
        guard !missing.isEmpty else { return [] }
        try create()
        LayoutRepairs.recreated.withLock { $0.append(contentsOf: missing.map { "\(root)/\($0)/" }) }
        return missing
    }

    /// Makes sure logs/ exists before a job's output is opened there (a missing logs/ must not
    /// fail the job). One `stat` when it exists. Never throws: a failure shows when the log is opened.
    public func ensureLogDirectory() {
        if (try? FileStatus.of(path("logs"), followLinks: true)) != nil { return }
        _ = try? repairLayout()
    }

    /// The directories recreated by `repairLayout` in this process since the last call (full
    /// paths with a trailing slash), for a warning.
    public static func takeLayoutRepairs() -> [String] {
        LayoutRepairs.recreated.takeAll()
    }
}

/// Directories recreated in this process and not reported yet.
enum LayoutRepairs {
    static let recreated = LockedValue<[String]>([])
}
