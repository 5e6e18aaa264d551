import QueueSystem

/// Enqueue with idempotency keys (`unique_key`), on top of `Spool.enqueue`.
extension Spool {
    /// The most distinct unique keys one batch may carry (each is locked for the whole batch).
    public static let maxKeysPerBatch = 256

    /// Enqueues `input` like `enqueue(_:)`, except that a job whose `unique_key` is held by a
    /// live job (pending, processing, failed, held or waiting: see `keyHolder`) is not created:
    /// its place in the result is the holder's id. A key given twice in one batch is taken by
    /// its first job; the later ones answer that job's id. Jobs without a key are enqueued as
    /// always. A new job starts without `history`.
    ///
    /// Atomic against concurrent enqueues of the same key (any process, any host whose
    /// filesystem supports `flock`): the keys' locks are taken (in name order, so two batches
    /// cannot deadlock) before the check and held until the new jobs are durable in their
    /// directories. For each new keyed job the marker `keys/<name>` naming it is made durable
    /// first (`enqueue:keyed`), then the job is enqueued; a crash in between leaves a marker
    /// naming a job that does not exist, which holds nothing.
    ///
    /// - Returns: per input job, the id to report (its own, or the holder's).
    /// - Throws: `QueueError.invalidJob` for a bad `unique_key` or more than `maxKeysPerBatch`
    ///   keys; everything `enqueue(_:)` throws (then no marker of this call is left naming a
    ///   job that was not added).
    public func enqueueIdempotent(_ input: [Job], progress: ProgressReporter? = nil) throws(QueueError) -> [JobID] {
        var jobs = input
        var keys: [UniqueKey?] = []
        for i in jobs.indices {
            jobs[i].extra["history"] = nil
            jobs[i].extra["history_dropped"] = nil
            let key = try jobs[i].validatedUniqueKey()
            if key == nil { jobs[i].extra["unique_key"] = nil }  // an explicit null
            keys.append(key)
        }
        let distinct = Set(keys.compactMap { $0 })
        if distinct.isEmpty {
            try enqueue(jobs, progress: progress)
            return jobs.map(\.id)
        }
        guard distinct.count <= Spool.maxKeysPerBatch else {
            throw .invalidJob("\(distinct.count) distinct unique keys in one batch; at most \(Spool.maxKeysPerBatch)")
        }
        var locks: [KeyLock] = []
        defer { for l in locks { l.release() } }
        var result = jobs.map(\.id)
        var toAdd: [Job] = []
        var taken: [UniqueKey: JobID] = [:]
        var previous: [(key: UniqueKey, old: KeyMarker?, new: KeyMarker)] = []
        do {
            try ensureKeysDirectory()
            for key in distinct.sorted(by: { $0.fileName < $1.fileName }) { locks.append(try lockKey(key)) }
            for key in distinct { if let holder = keyHolder(key) { taken[key] = holder } }
            for (i, job) in jobs.enumerated() {
                guard let key = keys[i] else { toAdd.append(job); continue }
                if let holder = taken[key] { result[i] = holder; continue }
                taken[key] = job.id
                toAdd.append(job)
                let placed = job.state == .waiting || !job.after.isEmpty
                    ? "waiting/" + JobFileName.plain(job.id) : "pending/" + JobFileName.name(for: job, in: .pending)
                let marker = KeyMarker(id: job.id, placed: placed, key: key.rawValue)
                previous.append((key, readKeyMarker(key), marker))
                try writeKeyMarker(marker, for: key)
            }
        } catch {
            restoreKeyMarkers(previous)
            throw .failure("enqueue failed", error)
        }
        CrashPoint.hit("enqueue:keyed")
        guard !toAdd.isEmpty else { return result }
        do {
            try enqueue(toAdd, progress: progress)
        } catch {
            // A job of `toAdd` that was not added holds nothing: put its key's marker back as it
            // was (a batch that failed half-way keeps the jobs it placed, and their markers).
            restoreKeyMarkers(previous.filter { !holdsKey($0.new.id, key: $0.key, hint: $0.new.placed) })
            throw error
        }
        return result
    }

    /// Puts back the markers an enqueue replaced (or removes the ones it created), best effort:
    /// a marker naming a job that was not added holds nothing anyway.
    private func restoreKeyMarkers(_ previous: [(key: UniqueKey, old: KeyMarker?, new: KeyMarker)]) {
        for (key, old, _) in previous {
            if let old { try? writeKeyMarker(old, for: key) } else { _ = try? FileSystem.unlinkIfExists(keyMarkerPath(key)) }
        }
    }
}
