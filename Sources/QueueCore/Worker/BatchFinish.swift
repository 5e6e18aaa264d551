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
    /// Steps (`recordOutcomes`), each for the whole batch: (1) each new content is
    /// written to tmp/ and made durable (an fsync each for up to eight, else one `syncfs`);
    /// (2) each is exchanged into its claim (`move:rewritten`) and hard-linked into its
    /// directory (no-replace); (3) the destination directories are fsynced once for the whole
    /// batch; (4) each claim name is unlinked and processing/ is fsynced once
    /// (`move:renamed`). The claims are this worker's own (a live owner's claim is never
    /// recovered), so no one else moves them between the link and the unlink; and
    /// the removal from processing/ is never durable before the new entry, whatever order the
    /// filesystem persists directories in (a cut between (3) and (4) leaves two names of one
    /// file, which recovery collapses). Where hard links are not supported, (2) is a rename.
    /// A crash anywhere leaves each job in one of the states the crash table of "Finish" in
    /// spool-layout.md lists.
    public func finish(_ batch: [Finish]) -> [SystemError?] {
        recordOutcomes(batch)
    }

    /// Records outcomes (`finish`, and the worker's committer): the new contents, durable; each
    /// exchanged into its claim (`move:rewritten`) and linked under its new name; the
    /// destinations fsynced once each; then the claim names unlinked and processing/ fsynced
    /// (`move:renamed`). That last fsync is what makes the exchanges durable too, so it comes
    /// before an outcome counts as recorded (deferred to a later claim's fsync of processing/,
    /// a power cut could bring back the claim's old content under a live name and recovery
    /// would run an acknowledged job again: the power-loss test showed it). Without
    /// `RENAME_EXCHANGE`: `finishFenced`.
    func recordOutcomes(_ outcomes: [Finish]) -> [SystemError?] {
        if !hasAtomicRenameFlags { return finishFenced(outcomes) }  // each fenced, fsyncs included
        for o in outcomes { precondition([.completed, .failed, .dead].contains(o.job.state), "finish: not an outcome state") }
        var errors = [SystemError?](repeating: nil, count: outcomes.count)
        let written = writeDurably(outcomes.map(\.job))
        var touched: Set<String> = []
        var linked = [Bool](repeating: false, count: outcomes.count)
        for (i, item) in outcomes.enumerated() {
            switch written[i] {
            case .failure(let error): errors[i] = error
            case .success(let tmp):
                do {
                    linked[i] = try recordOutcome(item, from: tmp)
                    touched.insert(directory(item.job.state))
                } catch {
                    errors[i] = error
                }
            }
        }
        var syncError: SystemError?
        for dir in touched.sorted() {
            do { try FileSystem.syncDirectory(dir) } catch { syncError = syncError ?? error }
        }
        // Only once the new entries are durable: remove the claim names (a failed fsync above
        // keeps them, so the outcome is retried rather than lost).
        if syncError == nil {
            for (i, item) in outcomes.enumerated() where linked[i] && errors[i] == nil {
                do { try FileSystem.unlinkIfExists(item.claim.path) } catch { errors[i] = error }
            }
        }
        do { try FileSystem.syncDirectory(directory(.processing)) } catch { syncError = syncError ?? error }
        for (i, item) in outcomes.enumerated() where errors[i] == nil {
            errors[i] = syncError
            if syncError == nil { CrashPoint.hit("move:renamed", item.job.state.rawValue) }
        }
        logFinished(outcomes, errors: errors)
        return errors
    }

    /// Step (2) of `finish` for one outcome whose new content is durable at `tmp`: exchanged
    /// into the claim (`move:rewritten`), then linked under its new name. True when it was
    /// linked (the claim name is then still to be unlinked). `tmp` is removed in any case.
    func recordOutcome(_ item: Finish, from tmp: String) throws(SystemError) -> Bool {
        do {
            defer { _ = try? FileSystem.unlinkIfExists(tmp) }
            try FileSystem.exchange(tmp, item.claim.path)
        }
        CrashPoint.hit("move:rewritten", item.job.state.rawValue)
        let dest = path(item.job.state.directory, JobFileName.name(for: item.job, in: item.job.state))
        do {
            return try place(item.claim.path, at: dest, state: item.job.state)
        } catch where error.isNotFound && (try? FileStatus.of(item.claim.path)) != nil {
            // ENOENT with the claim still there: the destination directory is missing
            // (removed while the worker runs), not the claim taken away. Recreate, retry.
            _ = try? repairLayout()
            return try place(item.claim.path, at: dest, state: item.job.state)
        }
    }

    /// `finish` on a filesystem without `RENAME_EXCHANGE`: each outcome is a `fencedMove` of
    /// its claim (the claim's rename to its `.moving` name is the fence), one after the other.
    func finishFenced(_ batch: [Finish]) -> [SystemError?] {
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
