import QueueSystem

/// Adding jobs to pending/.
extension Spool {
    /// True when `ids/<id>` exists but no job has the id and the marker's writer is dead on
    /// this host or the marker is older than 2 s. The writer of a marker that is a hard link to
    /// its job file (see `reserve`) is the one named by that job's `tmp/` file; a link marker
    /// whose `tmp/` file is gone and whose job does not exist was left by a dead enqueue. A link
    /// marker whose `tmp/` file belongs to a live process on this host (younger than an hour,
    /// fsck's bound for temporaries) is never stale, whatever its age: that enqueue is still
    /// under way (a chunk of `enqueue -` may take longer than 2 s from its write to its rename).
    func isStaleMarker(_ id: JobID) throws(QueueError) -> Bool {
        let p = markerPath(id)
        guard let st = try? FileStatus.of(p) else { return false }
        let marker = readMarker(id)
        let writer: LinkedWriter = marker?.isJobFile == true
            ? linkedWriter(id) : (marker?.writer?.isDeadOnThisHost ?? false) ? .dead : .unknown
        if writer == .alive { return false }
        let age = Double(Timestamp.now().micros * 1000 - st.modifiedNanos) / 1e9
        guard writer == .dead || age > 2 else { return false }
        return try locate(id) == nil
    }

    private enum LinkedWriter { case dead, unknown, alive }

    /// For a link marker, from the `tmp/` files of `id` (other than this process's): `.alive`
    /// when one is a live process's on this host and younger than an hour, `.dead` when every
    /// writer is dead on this host (or there is none), else `.unknown` (another host's).
    private func linkedWriter(_ id: JobID) -> LinkedWriter {
        let suffix = "." + id.rawValue + ".tmp"
        guard let names = try? DirectoryStream.names(path("tmp")) else { return .unknown }
        var result = LinkedWriter.dead
        for name in names where name.hasSuffix(suffix) {
            let head = name.dropLast(suffix.count)
            guard let dot = head.lastIndex(of: "."), let tag = ProcessTag(head[..<dot]) else { return .unknown }
            // Our own file (this enqueue wrote the job before reserving its id) does not count.
            if tag == ProcessTag.current || tag.isDeadOnThisHost { continue }
            if tag.isOnThisHost, let st = try? FileStatus.of(path("tmp", name)),
               Double(Timestamp.now().micros * 1000 - st.modifiedNanos) / 1e9 < 3600 {
                return .alive
            }
            result = .unknown
        }
        return result
    }

    /// Reserves `job.id` by adding `ids/<id>` as a hard link to its written `tmp/` file (no new
    /// inode; `link(2)` fails if the name exists, like `O_EXCL`), or, where the filesystem has
    /// no hard links, by creating a two-line marker with `O_EXCL`. A stale marker is taken over.
    /// - Throws: `QueueError.duplicateID` when the id is taken; `SystemError` for I/O failures.
    private func reserve(_ job: Job, tmp: String, marker: String, linking: inout Bool) throws {
        if linking {
            do {
                try FileSystem.link(tmp, marker)
                return
            } catch where FileSystem.isLinkUnsupported(error) {
                linking = false
            } catch where error.isExists {
                // taken: see below
            }
        }
        if !linking, try FileSystem.createExclusive(marker, content: IDMarker(writer: .current, createdAt: job.createdAt).bytes) {
            return
        }
        // A marker left by an enqueue that died before its rename (its writer is gone, or it
        // is older than 2 s, and no job has the id) does not block the id.
        guard try isStaleMarker(job.id) else { throw QueueError.duplicateID(job.id.rawValue) }
        try rewriteMarker(for: job)
    }

    /// Enqueues jobs durably: each job is written to tmp/, its id is reserved with an exclusive
    /// marker in ids/ (a hard link to that file where the filesystem allows: so two enqueuers
    /// cannot both take one id), and it is renamed into pending/ under its ordered name. Data
    /// and directories are fsynced before returning (a batch of more than 8: one `syncfs`).
    ///
    /// A batch is all-or-nothing for validation (`validate` runs first on every job), and for
    /// duplicates: if any id is taken, the markers made so far are removed and nothing is added.
    /// - Throws: `QueueError.invalidJob` when one id appears twice in `input`,
    ///   `.duplicateID` when an id is taken, `.spoolUnusable` for I/O failures.
    /// `progress` hears each reserve, write and rename step (see `ProgressReporter`).
    public func enqueue(_ input: [Job], progress: ProgressReporter? = nil) throws(QueueError) {
        var seen = Set<JobID>()
        for job in input where !seen.insert(job.id).inserted {
            throw .invalidJob("id '\(job.id)' appears more than once in the input; nothing was enqueued")
        }
        // A job with dependencies waits in waiting/ until they completed.
        var jobs = input
        for i in jobs.indices where !jobs[i].after.isEmpty {
            var allCompleted = true
            for dep in jobs[i].after {
                if dep == jobs[i].id { throw .invalidJob("job \(dep) cannot depend on itself") }
                let known = seen.contains(dep) || (try? FileStatus.of(markerPath(dep))) != nil
                if !known { throw .notFound("\(dep) (named in --after / 'after')") }
                if (try? FileStatus.of(path("completed", JobFileName.plain(dep)))) == nil { allCompleted = false }
            }
            jobs[i].state = allCompleted ? .pending : .waiting
        }
        var reserved: [JobID] = []
        var written: [(tmp: String, job: Job)] = []
        var placed = 0  // the first `placed` of `written` were renamed into place
        written.reserveCapacity(jobs.count)
        do {
            let batched = jobs.count > 8
            var encoder = JobEncoder()
            var names = BatchNames(self)
            for job in jobs {
                written.append((try writeTemporary(job, encoder: &encoder, name: names.tmp(job.id), sync: !batched), job))
                progress?.advance("writing", done: written.count, total: jobs.count)
            }
            if batched { try FileSystem.syncFileSystem(tmpDirectory) }
            CrashPoint.hit("enqueue:written")
            var linking = true
            for (tmp, job) in written {
                try reserve(job, tmp: tmp, marker: names.marker(job.id), linking: &linking)
                reserved.append(job.id)
                progress?.advance("reserving ids", done: reserved.count, total: jobs.count)
            }
            CrashPoint.hit("enqueue:reserved")
            for (tmp, job) in written {
                try FileSystem.renameNoReplace(tmp, names.destination(job))
                placed += 1
                progress?.advance("placing", done: placed, total: jobs.count)
            }
            try FileSystem.syncDirectory(directory(.pending))
            if jobs.contains(where: { $0.state == .waiting }) { try FileSystem.syncDirectory(directory(.waiting)) }
            try FileSystem.syncDirectory(path("ids"))
            logEvents(jobs.map { JobEvent($0, from: nil, to: $0.state.rawValue, reason: "enqueued") })
            CrashPoint.hit("enqueue:renamed")
        } catch {
            // Undo what did not reach its directory: its tmp file and its id's marker (so a
            // retry of the same id is not refused). Jobs already renamed into place keep theirs.
            for (tmp, _) in written { _ = try? FileSystem.unlinkIfExists(tmp) }
            for id in reserved.dropFirst(placed) { _ = try? FileSystem.unlinkIfExists(markerPath(id)) }
            if let q = error as? QueueError, case .duplicateID = q { throw q }
            throw .failure("enqueue failed", error, note: placed == 0 ? nil : "\(placed) of \(jobs.count) jobs were added")
        }
    }
}
