import Synchronization
import QueueSystem

/// Retention by archive: with `archive_after` set, a worker archives completed and dead jobs
/// older than that, at most one batch (`Spool.archiveBatchSize` jobs) every `archive_every`
/// seconds, and only when no other process is archiving (the lock is tried, never waited for).
/// Cheap by design: a file modified after the cutoff is skipped without being read
/// (`trustMtime`), so a pass costs one listing of completed/ and dead/ and one `stat` per job
/// until the batch is full. Not while stopping.
extension Worker {
    private static let lastArchive = Mutex<[ObjectIdentifier: UInt64]>([:])

    func archiveOld(_ s: inout LoopState) {
        guard s.config.archiveAfter > 0, !s.stopping else { return }
        let key = ObjectIdentifier(self)
        let every = TimeLimits.nanoseconds(s.config.archiveEvery)
        let mono = s.mono
        let due = Worker.lastArchive.withLock { last -> Bool in
            if let t = last[key], mono - t < every { return false }
            last[key] = mono
            return true
        }
        guard due else { return }
        do {
            _ = try spool.archive(states: [.completed, .dead], olderThan: s.config.archiveAfter, now: s.now,
                                  maxBatches: 1, trustMtime: true, wait: false)
        } catch {
            emit(.warning("archive: \(error)"))
        }
    }
}
