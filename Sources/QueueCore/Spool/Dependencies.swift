import QueueSystem

/// Jobs enqueued with `after` wait in waiting/ until every job they name has completed.
extension Spool {
    /// Moves each waiting job whose dependencies all completed to pending/, and each job one
    /// of whose dependencies ended dead (or no longer exists) to dead/ with the reason.
    /// Costs one `stat` per dependency; waiting/ is listed once.
    /// - Returns: the jobs moved and where to.
    @discardableResult
    public func resolveWaiting(now: Timestamp = .now()) -> [(JobID, JobState)] {
        var moved: [(JobID, JobState)] = []
        guard let names = try? DirectoryStream.names(directory(.waiting)) else { return [] }
        for name in names {
            guard JobFileName.parsePlain(name) != nil else { continue }
            let p = path("waiting", name)
            guard var job = try? readJob(at: p) else { continue }
            var ready = true
            var failure: String?
            for dep in job.after {
                if (try? FileStatus.of(path("completed", JobFileName.plain(dep)))) != nil { continue }
                ready = false
                if (try? FileStatus.of(path("dead", JobFileName.plain(dep)))) != nil {
                    failure = "dependency \(dep) ended dead"
                    break
                }
                if (try? FileStatus.of(markerPath(dep))) == nil {
                    failure = "dependency \(dep) no longer exists"
                    break
                }
            }
            guard ready || failure != nil else { continue }
            job.updatedAt = now
            if let failure {
                job.state = Transition.dependencyDead.to
                job.lastError = failure
                job.finishedAt = now
            } else {
                job.state = Transition.dependenciesMet.to
                if job.runAt < now && job.runAt == job.createdAt { job.runAt = now }
            }
            do {
                try move(p, to: job.state, as: job, durable: true, reason: failure ?? "dependencies completed")
                if job.state == .dead { releaseKey(of: job) }
                moved.append((job.id, job.state))
            } catch {
                continue  // moved by someone else meanwhile
            }
        }
        return moved
    }
}
