/// Adding jobs to pending/.
extension Spool {
    /// Enqueues jobs durably: each id is reserved with an exclusive marker in ids/ (so two
    /// enqueuers cannot both take one id), the job is written to tmp/, and renamed into
    /// pending/ under its ordered name. Data and directories are fsynced before returning.
    ///
    /// A batch is all-or-nothing for validation (`validate` runs first on every job), and for
    /// duplicates: if any id is taken, the markers made so far are removed and nothing is added.
    /// - Throws: `QueueError.duplicateID`, `.spoolUnusable` for I/O failures.
    public func enqueue(_ jobs: [Job]) throws(QueueError) {
        var seen = Set<JobID>()
        for job in jobs where !seen.insert(job.id).inserted {
            throw .duplicateID(job.id.rawValue)
        }
        var reserved: [JobID] = []
        var written: [(tmp: String, job: Job)] = []
        do {
            for job in jobs {
                guard try FileSystem.createExclusive(markerPath(job.id)) else {
                    throw QueueError.duplicateID(job.id.rawValue)
                }
                reserved.append(job.id)
            }
            CrashPoint.hit("enqueue:reserved")
            let batched = jobs.count > 8
            for job in jobs {
                written.append((try writeTemporary(job, sync: !batched), job))
            }
            if batched { try FileSystem.syncFileSystem(tmpDirectory) }
            CrashPoint.hit("enqueue:written")
            for (tmp, job) in written {
                try FileSystem.renameNoReplace(tmp, path("pending", JobFileName.ordered(job)))
            }
            try FileSystem.syncDirectory(directory(.pending))
            try FileSystem.syncDirectory(path("ids"))
            CrashPoint.hit("enqueue:renamed")
        } catch {
            for (tmp, _) in written { _ = try? FileSystem.unlinkIfExists(tmp) }
            if let q = error as? QueueError, case .duplicateID = q {
                for id in reserved { _ = try? FileSystem.unlinkIfExists(markerPath(id)) }
                throw q
            }
            throw .spoolUnusable("enqueue failed: \(error)")
        }
    }
}
