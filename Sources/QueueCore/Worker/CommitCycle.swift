import QueueSystem

/// One commit cycle of a worker: the claims it has just won (step 2 of each) and the outcomes
/// its jobs have just produced are made durable together, sharing one flush of the new
/// contents and one flush of the directories, instead of paying both per job.
extension Spool {
    /// A claim won by its rename (`reserve`) whose content is still to be committed.
    public struct ClaimRequest: Sendable {
        public var reserved: ReservedClaim
        /// `drop_grace` for a reserved file that does not parse yet (see `completeClaim`).
        public var dropGrace: Double
        public init(_ reserved: ReservedClaim, dropGrace: Double) {
            self.reserved = reserved
            self.dropGrace = dropGrace
        }
    }

    /// How each claim of a cycle ended: claimed (durable: the command may start), put back,
    /// not claimed; or the system error that stopped it (the caller then `abandon`s it).
    public typealias ClaimResult = Result<ClaimCompletion, SystemError>

    /// Commits `claims` and records `outcomes` in one cycle, claims first, so that a command
    /// never waits for the outcomes' writes:
    /// 1. each claim is read and checked (`prepareClaim`: put back or quarantined when not a
    ///    job); the new contents (state processing, attempts + 1...) are written to tmp/ and
    ///    made durable (an fsync each for up to eight, else one `syncfs`), exchanged into their
    ///    claims, and processing/ and the directories they came from are fsynced once each
    ///    (`claim:rewritten`); that fsync of processing/ also covers the unlinks an earlier
    ///    cycle left unsynced (`processingUnsynced`);
    /// 2. `claimsDurable` gets every claim's result: the worker starts the commands now;
    /// 3. the outcomes are recorded (`recordOutcomes`); the fsync of processing/ after their
    ///    unlinks is left to the next cycle when `deferProcessingSync` says one is queued.
    ///
    /// So a command never starts before its claim is durable in both directories, and the
    /// removal of a name is never durable before the new name. A crash leaves each job in a
    /// state of the crash tables of "Claim" and "Finish" in spool-layout.md. On a filesystem
    /// without `RENAME_EXCHANGE` each claim and outcome is committed on its own, fenced.
    /// - Parameter processingUnsynced: in: processing/ has unlinks not yet fsynced; out: the same
    ///   after this cycle.
    /// - Returns: per outcome, nil when recorded, or the error that kept it from being recorded.
    public func commit(claims: [ClaimRequest], outcomes: [Finish], worker: ProcessTag, now: Timestamp = .now(),
                       processingUnsynced: inout Bool, deferProcessingSync: () -> Bool = { false },
                       claimsDurable: ([ClaimResult]) -> Void) -> [SystemError?] {
        if !hasAtomicRenameFlags {
            claimsDurable(claims.map { c in
                Result { () throws(SystemError) in try completeClaim(c.reserved, worker: worker, dropGrace: c.dropGrace, now: now) }
            })
            return outcomes.isEmpty ? [] : finishFenced(outcomes)
        }
        if !claims.isEmpty {
            claimsDurable(commitClaims(claims, worker: worker, now: now, processingUnsynced: &processingUnsynced))
        }
        guard !outcomes.isEmpty else { return [] }
        return recordOutcomes(outcomes, processingUnsynced: &processingUnsynced, deferProcessingSync: deferProcessingSync)
    }

    /// Step 1 of `commit`: the claims' new contents, durable, then their directories.
    private func commitClaims(_ claims: [ClaimRequest], worker: ProcessTag, now: Timestamp,
                              processingUnsynced: inout Bool) -> [ClaimResult] {
        var results = [ClaimResult?](repeating: nil, count: claims.count)
        var jobs = [Job?](repeating: nil, count: claims.count)
        for (i, c) in claims.enumerated() {
            do {
                switch try prepareClaim(c.reserved, worker: worker, dropGrace: c.dropGrace, now: now) {
                case .settled(let completion): results[i] = .success(completion)
                case .ready(let job): jobs[i] = job
                }
            } catch {
                results[i] = .failure(error)
            }
        }
        let ready = claims.indices.filter { jobs[$0] != nil }
        let written = writeDurably(ready.map { jobs[$0]! })
        var changed: Set<String> = processingUnsynced ? [directory(.processing)] : []
        for (k, i) in ready.enumerated() {
            let tmp: String
            switch written[k] {
            case .failure(let error): results[i] = .failure(error); continue
            case .success(let t): tmp = t
            }
            do {
                defer { _ = try? FileSystem.unlinkIfExists(tmp) }
                try FileSystem.exchange(tmp, claims[i].reserved.path)
                changed.insert(directory(.processing))
                changed.insert(directory(claims[i].reserved.originState))
                results[i] = .success(.claimed(JobClaim(path: claims[i].reserved.path, job: jobs[i]!)))
            } catch where error.isNotFound {
                results[i] = .success(.notClaimed)  // recovery took it back in between
            } catch {
                results[i] = .failure(error)
            }
        }
        // One fsync per directory, processing/ first, never a syncfs: that would also flush
        // every other process's dirty data on the filesystem before a job may start.
        var syncError: SystemError?
        let processing = directory(.processing)
        for dir in (changed.contains(processing) ? [processing] : []) + changed.subtracting([processing]).sorted() {
            do { try FileSystem.syncDirectory(dir) } catch { syncError = syncError ?? error }
        }
        if changed.contains(directory(.processing)) && syncError == nil { processingUnsynced = false }
        var events: [JobEvent] = []
        let claimed = results.filter { if case .success(.claimed) = $0 { true } else { false } }.count
        for i in claims.indices {
            guard case .success(.claimed(let claim)) = results[i] else { continue }
            if let syncError { results[i] = .failure(syncError); continue }
            events.append(JobEvent(claim.job, from: claims[i].reserved.originState.rawValue, to: JobState.processing.rawValue,
                                   reason: claimed > 1 ? "claimed (\(claimed) in one commit)" : "claimed"))
            CrashPoint.hit("claim:rewritten")
        }
        logEvents(events)
        return results.map { $0! }
    }

    /// Step 3 of `commit` (and all of `finish`): the outcomes' new contents, durable; each
    /// exchanged into its claim (`move:rewritten`) and linked under its new name; the
    /// destinations fsynced once each; then the claim names unlinked and processing/ fsynced
    /// (`move:renamed`), unless `deferProcessingSync` leaves that fsync to the next cycle.
    func recordOutcomes(_ outcomes: [Finish], processingUnsynced: inout Bool, deferProcessingSync: () -> Bool) -> [SystemError?] {
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
        if deferProcessingSync() {
            processingUnsynced = true
        } else {
            do {
                try FileSystem.syncDirectory(directory(.processing))
                processingUnsynced = false
            } catch { syncError = syncError ?? error }
        }
        for (i, item) in outcomes.enumerated() where errors[i] == nil {
            errors[i] = syncError
            if syncError == nil { CrashPoint.hit("move:renamed", item.job.state.rawValue) }
        }
        logFinished(outcomes, errors: errors)
        return errors
    }

    /// Writes each job's content to a new file in tmp/ and makes them durable: an fsync each
    /// for up to eight files, else one `syncfs` (cheaper than many fsyncs, as for `enqueue -`).
    private func writeDurably(_ jobs: [Job]) -> [Result<String, SystemError>] {
        let syncEach = jobs.count <= 8
        var results: [Result<String, SystemError>] = jobs.map { job in
            Result { () throws(SystemError) in try writeTemporaryRepairing(job, sync: syncEach) }
        }
        if !syncEach, results.contains(where: { (try? $0.get()) != nil }) {
            do { try FileSystem.syncFileSystem(root, insteadOf: .fileData) } catch {
                for (i, r) in results.enumerated() {
                    if case .success(let tmp) = r { _ = try? FileSystem.unlinkIfExists(tmp); results[i] = .failure(error) }
                }
            }
        }
        return results
    }

    /// `writeTemporary`, recreating a removed tmp/ and trying once more.
    private func writeTemporaryRepairing(_ job: Job, sync: Bool) throws(SystemError) -> String {
        do {
            return try writeTemporary(job, sync: sync)
        } catch where error.isNotFound {
            _ = try? repairLayout()
            return try writeTemporary(job, sync: sync)
        }
    }
}
