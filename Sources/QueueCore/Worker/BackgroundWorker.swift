#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Starting a worker in the background (`queuectl worker start --background`): the running
/// executable is started again in a new session, its output to a log in the spool, and the
/// caller waits until it has registered.
extension Spool {
    /// Spawns `ProcessControl.executablePath()` with `arguments` (after argv[0]; e.g.
    /// `["--spool", root, "worker", "start"]`) in a new session, with `environment` plus
    /// `QUEUECTL_BACKGROUND_LOG` naming its log (`workers/starting-<time>-<pid>.log`, which
    /// the worker renames to `workers/<worker-id>.log`). Waits up to 10 s for its registration.
    /// - Returns: the new worker's id.
    /// - Throws: `QueueError.system` when it cannot be spawned; `.spoolUnusable` when it exits
    ///   before registering (with the last line of its log) or does not register within 10 s.
    public func spawnBackgroundWorker(arguments: [String], environment: [String: String]) throws(QueueError) -> ProcessTag {
        try create()
        let logPath = startingWorkerLogPath("\(Timestamp.now().compact)-\(ProcessControl.currentPID)")
        let exePath = ProcessControl.executablePath()
        var env = environment
        env["QUEUECTL_BACKGROUND_LOG"] = logPath
        let pid: Int32
        do { pid = try ProcessControl.spawnDetached(exePath, arguments: [exePath] + arguments, environment: env, logPath: logPath) }
        catch { throw .system(error) }
        // Wait for the registration (or for the child to fail).
        let deadline = MonotonicClock.nanos() + 10_000_000_000
        while MonotonicClock.nanos() < deadline {
            if let w = workers().first(where: { $0.id.pid == pid && $0.id.isOnThisHost }) { return w.id }
            if ProcessControl.reapIfExited(pid) {
                // The child renames its log to workers/<worker-id>.log as soon as it starts.
                let path = (try? FileStatus.of(logPath)) != nil ? logPath : workerLog(pid: pid) ?? logPath
                let log = (try? FileSystem.readFile(path, limit: 4096)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? ""
                throw .spoolUnusable("the background worker exited at once: \(log.split(separator: "\n").last ?? "see \(path)")")
            }
            ProcessControl.sleep(seconds: 0.005)
        }
        throw .spoolUnusable("the background worker (pid \(pid)) did not register within 10 s; see \(workerLog(pid: pid) ?? logPath)")
    }
}
