#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import QueueSystem

/// Empty job logs, reused as the log of a later job of the same worker instead of creating a
/// new inode for every attempt.
///
/// Every attempt needs `logs/<id>.log` to exist before its command starts: it is the run lock,
/// the file `logs -f` follows, and where the output goes straight from the job's processes, so
/// that it survives the worker (see `RunLock.swift`). Most short jobs print nothing, so the
/// file usually stays empty; creating it anew per job costs an inode allocation, which is the
/// dearest step of the worker's per-job path on some filesystems (ext4 without a journal scans
/// past every inode deleted in the last seconds). So when an attempt ended with an empty log,
/// its worker remembers the name, and its next job that has no log yet gets that inode by
/// `rename(2)` (`RENAME_NOREPLACE`) to `logs/<new id>.log`: no inode created, none deleted.
///
/// Invariant: only a log that is empty, a regular file, and whose run lock is free (taken by
/// the worker, through a read-only descriptor, for the rename) is ever renamed, so no output
/// and no running attempt is ever moved; a job whose log was recycled has no log, which reads
/// as "printed nothing" everywhere (`logs`, `show`, the web API, archives). Readers that open
/// a log and then read it check afterwards that the name still refers to the inode they read
/// (`Spool.logStillNames`), so bytes a later job wrote into a recycled inode are never shown
/// as the earlier job's.
final class RecycledLogs: Sendable {
    /// Most recent last. At most `limit` names: a name is only a hint, checked at reuse.
    private let names = Mutex<[String]>([])
    /// Cleared for good when the filesystem has no `RENAME_NOREPLACE`.
    private let enabled = Atomic<Bool>(true)
    static let limit = 16

    init() {}

    /// Remembers `path`, the log of an attempt that ended with nothing written to it.
    func offer(_ path: String) {
        guard enabled.load(ordering: .relaxed) else { return }
        names.withLock {
            if $0.count >= Self.limit { $0.removeFirst() }
            $0.append(path)
        }
    }

    fileprivate func take() -> String? {
        guard enabled.load(ordering: .relaxed) else { return nil }
        return names.withLock { $0.popLast() }
    }

    fileprivate func disable() {
        enabled.store(false, ordering: .relaxed)
        names.withLock { $0.removeAll() }
    }
}

extension Spool {
    /// Opens `logs/<id>.log` for a new attempt with the run lock taken, like `openRunLog(_:)`,
    /// but when the job has no log yet, an empty log remembered in `recycled` becomes it (by
    /// rename) instead of a new file being created.
    /// - Returns: the descriptor holding the lock, or nil when processes of an earlier attempt hold it.
    /// - Throws: as `openRunLog(_:)`.
    func openRunLog(_ id: JobID, recycling recycled: RecycledLogs) throws(SystemError) -> FileDescriptor? {
        while let old = recycled.take() {
            switch reuseLog(old, as: id) {
            case .reused(let fd): return fd
            case .skipped: continue
            case .targetExists:
                recycled.offer(old)  // still good for another job
                return try openRunLog(id)
            case .unsupported:
                recycled.disable()
                return try openRunLog(id)
            }
        }
        return try openRunLog(id)
    }

    private enum Reuse {
        case reused(FileDescriptor)
        /// `old` is gone, not empty, locked (an attempt of its job runs) or otherwise unusable.
        case skipped
        /// `logs/<id>.log` exists (an earlier attempt's output): it is appended to, as always.
        case targetExists
        /// No `RENAME_NOREPLACE` here: recycling is switched off.
        case unsupported
    }

    /// Renames the empty log `old` to `logs/<id>.log` while holding its run lock through a
    /// read-only descriptor (never a writer that `endEarlierRun` of another worker could take
    /// for an attempt's process), then reopens it for appending and takes the lock again.
    private func reuseLog(_ old: String, as id: JobID) -> Reuse {
        guard let probe = try? FileDescriptor.open(old, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK) else { return .skipped }
        let renamed = renameLocked(probe, old, to: logPath(id))
        // Unlock explicitly: a child that another slot is spawning right now holds a copy of
        // `probe` until its exec, and a mere close would leave the lock held by that copy (the
        // lock below would then fail, as if an earlier attempt still ran). Once unlocked, only
        // this job's own runners lock the new name.
        probe.unlock()
        probe.close()
        guard case .reused = renamed else { return renamed }
        guard let fd = try? FileDescriptor.open(logPath(id), flags: O_WRONLY | O_APPEND | O_NOFOLLOW) else { return .skipped }
        if (try? fd.tryLockExclusive()) == true { return .reused(fd) }
        fd.close()
        return .skipped
    }

    /// The rename of `reuseLog`, made while `probe` (open on `old`) holds the run lock and
    /// shows an empty regular file that `old` still names. `.reused` carries `probe` itself.
    private func renameLocked(_ probe: FileDescriptor, _ old: String, to target: String) -> Reuse {
        guard (try? probe.tryLockExclusive()) == true, let st = try? probe.status(), st.kind == .regular, st.size == 0,
              let named = try? FileStatus.of(old), named.inode == st.inode else { return .skipped }
        do {
            try FileSystem.renameNoReplaceStrict(old, target)
            return .reused(probe)
        } catch where error.errno == .fileExists {
            return .targetExists
        } catch where FileSystem.isRenameFlagUnsupported(error) {
            return .unsupported
        } catch {
            return .skipped
        }
    }

    /// True while `logs/<id>.log` still names the file open as `fd`: a reader checks it after
    /// reading, because an empty log may be recycled (`RecycledLogs`) as a later job's log, and
    /// bytes read from it after that are not this job's. False when the name is gone.
    public func logStillNames(_ id: JobID, _ fd: FileDescriptor) -> Bool {
        guard let mine = try? fd.status(), let named = try? FileStatus.of(logPath(id)) else { return false }
        return mine.inode == named.inode
    }
}
