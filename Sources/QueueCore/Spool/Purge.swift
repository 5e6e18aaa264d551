import QueueSystem

/// Removing finished jobs for retention.
extension Spool {
    /// Removes completed/dead jobs whose `finished_at` (else file mtime) is older than
    /// `olderThan` seconds, with their logs and id markers.
    /// - Returns: how many jobs were removed.
    public func purge(states: [JobState], olderThan: Double, now: Timestamp = .now(),
                      progress: ProgressReporter? = nil) throws(QueueError) -> Int {
        var removed = 0
        let cutoff = now.adding(seconds: -olderThan)
        for state in states {
            let names: [String]
            do { names = try DirectoryStream.names(directory(state)) } catch { throw .failure("cannot list \(directory(state))", error) }
            for (i, name) in names.enumerated() {
                progress?.advance("\(state.rawValue): examined", done: i + 1, total: names.count)
                guard let id = JobFileName.parsePlain(name) else { continue }
                let p = path(state.directory, name)
                guard let st = try? FileStatus.of(p), st.kind == .regular else { continue }
                var finished = Timestamp(micros: st.modifiedNanos / 1000)
                let job = try? readJob(at: p)
                if let f = job?.finishedAt { finished = f }
                guard finished < cutoff else { continue }
                do {
                    try FileSystem.unlink(p)
                    logRemoval(job, id: id, from: state, to: "purged")
                    _ = try FileSystem.unlinkIfExists(logPath(id))
                    _ = try FileSystem.unlinkIfExists(markerPath(id))
                    removed += 1
                } catch where error.isNotFound {
                    continue
                } catch {
                    throw .systemFailure(action: "cannot remove \(p)", error)
                }
            }
            if removed > 0 { try? FileSystem.syncDirectory(directory(state)) }
        }
        return removed
    }
}
