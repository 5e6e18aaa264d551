#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// At most one run of a job at a time: the run lock.
///
/// Before a worker spawns an attempt it opens `logs/<id>.log` and takes an exclusive `flock(2)`
/// on that open file description, then hands the description to the attempt as its stdout and
/// stderr. Every process of the attempt inherits it, so the lock is held exactly as long as any
/// process of the attempt still has that output open — also after its worker died (`kill -9`).
/// A new attempt, and the recovery of an interrupted one, first make sure the lock is free: on
/// this host by killing the processes that hold the log open for writing (TERM to their process
/// groups, KILL after `kill_grace`); processes elsewhere (another host on a shared filesystem)
/// are waited for. A process of the attempt that closed or redirected both its stdout and
/// stderr (a daemon) escapes the lock; spool-layout.md says so. A worker may give an empty,
/// unlocked log to its next job by renaming it (`RecycledLogs`): a job whose log was reused
/// has none, and its lock reads as free.
extension Spool {
    /// Opens `logs/<id>.log` for a new attempt (append, created 0600) with the run lock taken.
    /// A missing `logs/` is created again first (`ensureLogDirectory`).
    /// - Returns: the descriptor holding the lock, or nil when processes of an earlier attempt hold it.
    /// - Throws: `SystemError` when the log cannot be opened or locked.
    public func openRunLog(_ id: JobID) throws(SystemError) -> FileDescriptor? {
        let log = logPath(id)
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(log, flags: O_WRONLY | O_APPEND | O_CREAT)
        } catch where error.isNotFound {
            ensureLogDirectory()  // logs/ was removed: recreate it (the worker warns), then retry once
            fd = try FileDescriptor.open(log, flags: O_WRONLY | O_APPEND | O_CREAT)
        }
        do {
            if try fd.tryLockExclusive(path: log) { return fd }
        } catch {
            fd.close()
            throw error
        }
        fd.close()
        return nil
    }

    /// True while processes of an attempt of `id` hold its run lock. False when the log does not
    /// exist or the filesystem cannot lock (then nothing can be known from the lock).
    public func runIsActive(_ id: JobID) -> Bool {
        guard let fd = try? FileDescriptor.open(logPath(id), flags: O_RDONLY) else { return false }
        defer { fd.close() }
        return (try? fd.tryLockExclusive()) == false
    }

    /// Ends an earlier attempt of `id` whose processes still run on this host: TERM to the
    /// process groups of every process holding `logs/<id>.log` open for writing, then KILL to
    /// those left after `grace` seconds.
    /// - Returns: true once the run lock is free; false when it is still held after the KILL
    ///   (by processes this host cannot see: another host, another user).
    @discardableResult
    public func endEarlierRun(_ id: JobID, grace: Double) -> Bool {
        guard runIsActive(id) else { return true }
        let log = logPath(id)
        let termAt = MonotonicClock.nanos()
        let killAt = MonotonicClock.deadline(after: grace, from: termAt)
        var killed = false
        ProcessTable.signalGroups(of: ProcessTable.writers(of: log), SIGTERM)
        while true {
            usleep(10_000)
            guard runIsActive(id) else { return true }
            let now = MonotonicClock.nanos()
            if now >= killAt {
                let writers = ProcessTable.writers(of: log)
                if killed && (writers.isEmpty || now >= killAt + 2_000_000_000) { return !runIsActive(id) }
                ProcessTable.signalGroups(of: writers, SIGKILL)
                killed = true
            }
        }
    }
}
