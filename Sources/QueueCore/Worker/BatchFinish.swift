import QueueSystem

/// Recording the worker's outcomes ("group commit"), one or many at a time: per job the steps of
/// `move` (`move:rewritten` then `move:renamed`), but the directory fsyncs are shared by the batch.
extension Spool {
    /// One outcome to record: the claim and the job's new content (state completed, failed or dead).
    public struct Finish: Sendable {
        public var claim: JobClaim
        public var job: Job
        public init(claim: JobClaim, job: Job) {
            self.claim = claim
            self.job = job
        }
    }

    /// Records every outcome durably and returns, per item, nil or the error that kept it from
    /// being recorded (ENOENT: the claim was recovered meanwhile and the result is dropped).
    ///
    /// Steps: (1) each new content is written to tmp/ and made durable (fsync per file, or one
    /// `syncfs` for more than eight); (2) each is exchanged into its claim (`move:rewritten`) and
    /// hard-linked into its directory (no-replace); (3) the destination directories are fsynced
    /// once for the whole batch; (4) each claim name is unlinked and processing/ is fsynced once
    /// (`move:renamed`). The claims are this worker's own (a live owner's claim is never
    /// recovered), so no one else moves them between the link and the unlink; and
    /// the removal from processing/ is never durable before the new entry, whatever order the
    /// filesystem persists directories in (a cut between (3) and (4) leaves two names of one
    /// file, which recovery collapses). Where hard links are not supported, (2) is a rename.
    /// A crash anywhere leaves each job in one of the states the crash table of "Finish" in
    /// spool-layout.md lists.
    public func finish(_ batch: [Finish]) -> [SystemError?] {
        if !hasAtomicRenameFlags { return finishFenced(batch) }
        var errors = [SystemError?](repeating: nil, count: batch.count)
        let syncEach = batch.count <= 8  // as enqueue: beyond 8 files one syncfs is cheaper than an fsync each
        var temporaries = [String?](repeating: nil, count: batch.count)
        for (i, item) in batch.enumerated() {
            precondition([.completed, .failed, .dead].contains(item.job.state), "finish: not an outcome state")
            do {
                do {
                    temporaries[i] = try writeTemporary(item.job, sync: syncEach)
                } catch where error.isNotFound {
                    _ = try? repairLayout()  // tmp/ was removed: recreate it and retry once
                    temporaries[i] = try writeTemporary(item.job, sync: syncEach)
                }
            } catch { errors[i] = error }
        }
        if !syncEach {
            do { try FileSystem.syncFileSystem(root) } catch {
                for i in batch.indices where errors[i] == nil { errors[i] = error }
            }
        }
        var touched: Set<String> = []
        var linked = [Bool](repeating: false, count: batch.count)
        for (i, item) in batch.enumerated() {
            guard errors[i] == nil, let tmp = temporaries[i] else {
                if let tmp = temporaries[i] { _ = try? FileSystem.unlinkIfExists(tmp) }
                continue
            }
            do {
                defer { _ = try? FileSystem.unlinkIfExists(tmp) }
                try FileSystem.exchange(tmp, item.claim.path)
            } catch {
                errors[i] = error
                continue
            }
            CrashPoint.hit("move:rewritten", item.job.state.rawValue)
            let dest = path(item.job.state.directory, JobFileName.name(for: item.job, in: item.job.state))
            do {
                do {
                    linked[i] = try place(item.claim.path, at: dest, state: item.job.state)
                } catch where error.isNotFound && (try? FileStatus.of(item.claim.path)) != nil {
                    // ENOENT with the claim still there: the destination directory is missing
                    // (removed while the worker runs), not the claim taken away. Recreate, retry.
                    _ = try? repairLayout()
                    linked[i] = try place(item.claim.path, at: dest, state: item.job.state)
                }
                touched.insert(directory(item.job.state))
            } catch {
                errors[i] = error
            }
        }
        var syncError: SystemError?
        for dir in touched.sorted() {
            do { try FileSystem.syncDirectory(dir) } catch { syncError = syncError ?? error }
        }
        // Only once the new entries are durable: remove the claim names (a failed fsync above
        // keeps them, so the outcome is retried rather than lost).
        if syncError == nil {
            for (i, item) in batch.enumerated() where linked[i] && errors[i] == nil {
                do { try FileSystem.unlinkIfExists(item.claim.path) } catch { errors[i] = error }
            }
        }
        do { try FileSystem.syncDirectory(directory(.processing)) } catch { syncError = syncError ?? error }
        for (i, item) in batch.enumerated() where errors[i] == nil {
            errors[i] = syncError
            if syncError == nil { CrashPoint.hit("move:renamed", item.job.state.rawValue) }
        }
        logFinished(batch, errors: errors)
        return errors
    }

    /// `finish` on a filesystem without `RENAME_EXCHANGE`: each outcome is a `fencedMove` of
    /// its claim (the claim's rename to its `.moving` name is the fence), one after the other.
    private func finishFenced(_ batch: [Finish]) -> [SystemError?] {
        var errors = [SystemError?](repeating: nil, count: batch.count)
        for (i, item) in batch.enumerated() {
            precondition([.completed, .failed, .dead].contains(item.job.state), "finish: not an outcome state")
            let dest = path(item.job.state.directory, JobFileName.name(for: item.job, in: item.job.state))
            do {
                try fencedMove(item.claim.path, to: dest, as: item.job, durable: true)
                CrashPoint.hit("move:renamed", item.job.state.rawValue)
            } catch {
                errors[i] = error
            }
        }
        logFinished(batch, errors: errors)
        return errors
    }

    /// Step (2) of `finish` for one claim: hard-links it at `dest` (a rename where links are not
    /// supported; a name already there is settled as a duplicate). True when it was linked (the
    /// claim name is then still to be unlinked).
    private func place(_ claim: String, at dest: String, state: JobState) throws(SystemError) -> Bool {
        do {
            do {
                try FileSystem.link(claim, dest)
                return true
            } catch where FileSystem.isLinkUnsupported(error) {
                try FileSystem.renameNoReplace(claim, dest)
            }
        } catch where error.isExists {
            try settleDuplicate(moving: claim, onto: dest, state: state)
        }
        return false
    }
}
