#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Pausing the queue: while the flag file `<spool>/paused` exists, workers claim nothing new
/// (running jobs continue). The flag is durable: it survives restarts and power cuts.
extension Spool {
    /// Whether the queue is paused (the flag file exists).
    public var isPaused: Bool { (try? FileStatus.of(pausedFlagPath)) != nil }

    /// Pauses the queue: creates the spool if needed, then the flag, durably (the spool
    /// directory is fsynced). Pausing a paused queue is not an error.
    /// - Throws: `QueueError.system` when the flag cannot be written or made durable;
    ///   `QueueError.spoolUnusable` when the spool cannot be created.
    public func pause() throws(QueueError) { try setPaused(true) }

    /// Resumes the queue: removes the flag, durably. Resuming a queue that is not paused is
    /// not an error.
    /// - Throws: as `pause()`.
    public func resume() throws(QueueError) { try setPaused(false) }

    private func setPaused(_ paused: Bool) throws(QueueError) {
        try create()
        do {
            if paused { _ = try FileSystem.createExclusive(pausedFlagPath) } else { _ = try FileSystem.unlinkIfExists(pausedFlagPath) }
            try FileSystem.syncDirectory(root)
        } catch { throw .system(error) }
    }
}
