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

    /// Commits `claims` and records `outcomes` in one cycle. Steps, each for the whole cycle:
    /// 1. each claim is read and checked (`prepareClaim`: put back or quarantined when not a
    ///    job), and its new content (state processing, attempts + 1...) is written to tmp/; so is
    ///    each outcome's;
    /// 2. those new files are made durable: an fsync each when there are at most eight, else
    ///    one `syncfs`;
    /// 3. each is exchanged into its claim (`ENOENT`: recovery took the claim meanwhile), and
    ///    each outcome is linked under its new name (`move:rewritten`);
    /// 4. the directories that changed are made durable, one fsync each for the whole cycle:
    ///    processing/, the directories the claims came from (pending/, failed/) and the
    ///    outcomes' destinations (`claim:rewritten`);
    /// 5. `claimsDurable` is called with every claim's result (the worker starts the commands
    ///    now, before the rest of the cycle);
    /// 6. the outcomes' claim names are unlinked and processing/ is fsynced (`move:renamed`);
    ///    when `deferProcessingSync` says so (asked then) that fsync is left to the caller's next cycle, whose step 4
    ///    always fsyncs processing/ (a cut before it leaves both names of a recorded outcome,
    ///    one file, which recovery collapses: the state "Finish" lists after the link).
    ///
    /// So the removal of a name is never durable before the new name, and a command never
    /// starts before its claim is durable in both directories. A crash leaves each job in a
    /// state of the crash tables of "Claim" and "Finish" in spool-layout.md. On a filesystem
    /// without `RENAME_EXCHANGE` each claim and outcome is committed on its own, fenced.
    /// - Returns: per outcome, nil when recorded, or the error that kept it from being recorded.
    public func commit(claims: [ClaimRequest], outcomes: [Finish], worker: ProcessTag, now: Timestamp = .now(),
                       deferProcessingSync: () -> Bool = { false }, claimsDurable: ([ClaimResult]) -> Void) -> [SystemError?] {
        if !hasAtomicRenameFlags {
            claimsDurable(claims.map { c in
                Result { () throws(SystemError) in try completeClaim(c.reserved, worker: worker, dropGrace: c.dropGrace, now: now) }
            })
            return outcomes.isEmpty ? [] : finishFenced(outcomes)
        }
        var claimResults = [ClaimResult?](repeating: nil, count: claims.count)
        var claimJobs = [Job?](repeating: nil, count: claims.count)
        for (i, c) in claims.enumerated() {
            do {
                switch try prepareClaim(c.reserved, worker: worker, dropGrace: c.dropGrace, now: now) {
                case .settled(let completion): claimResults[i] = .success(completion)
                case .ready(let job): claimJobs[i] = job
                }
            } catch {
                claimResults[i] = .failure(error)
            }
        }
        for o in outcomes { precondition([.completed, .failed, .dead].contains(o.job.state), "commit: not an outcome state") }
        var errors = [SystemError?](repeating: nil, count: outcomes.count)

        // (1) and (2): the new contents, durable.
        let contents = claimJobs.compactMap { $0 } + outcomes.map(\.job)
        let syncEach = contents.count <= 8  // as enqueue -: beyond 8 files one syncfs is cheaper
        var written = [String?](repeating: nil, count: contents.count)
        var writeErrors = [SystemError?](repeating: nil, count: contents.count)
        for (k, job) in contents.enumerated() {
            do { written[k] = try writeTemporaryRepairing(job, sync: syncEach) } catch { writeErrors[k] = error }
        }
        if !syncEach, written.contains(where: { $0 != nil }) {
            do { try FileSystem.syncFileSystem(root, insteadOf: .fileData) } catch {
                for k in contents.indices where written[k] != nil { writeErrors[k] = error }
            }
        }
        // (3): exchanged into the claims, outcomes linked. processing/ is always fsynced in (4),
        // also for the unlinks a previous cycle left unsynced (`deferProcessingSync`).
        var changed: Set<String> = [directory(.processing)]
        var k = 0
        var exchanged = [Bool](repeating: false, count: claims.count)
        for i in claims.indices where claimJobs[i] != nil {
            defer { k += 1 }
            if let error = writeErrors[k] { claimResults[i] = .failure(error); continue }
            do {
                defer { _ = try? FileSystem.unlinkIfExists(written[k]!) }
                try FileSystem.exchange(written[k]!, claims[i].reserved.path)
                exchanged[i] = true
                changed.insert(directory(claims[i].reserved.originState))
            } catch where error.isNotFound {
                claimResults[i] = .success(.notClaimed)  // recovery took it back in between
            } catch {
                claimResults[i] = .failure(error)
            }
        }
        var linked = [Bool](repeating: false, count: outcomes.count)
        for (i, item) in outcomes.enumerated() {
            defer { k += 1 }
            if let tmp = written[k] {
                if let error = writeErrors[k] {
                    errors[i] = error
                    _ = try? FileSystem.unlinkIfExists(tmp)
                    continue
                }
                do {
                    linked[i] = try recordOutcome(item, from: tmp)
                    changed.insert(directory(item.job.state))
                } catch {
                    errors[i] = error
                }
            } else {
                errors[i] = writeErrors[k]
            }
        }
        // (4): the directories.
        var syncError: SystemError?
        // One fsync per directory, never a syncfs: that would also flush every other process's
        // dirty data on the filesystem (the jobs' own output, builds...) before a job may start.
        for dir in changed.sorted() {
            do { try FileSystem.syncDirectory(dir) } catch { syncError = syncError ?? error }
        }
        // (5): the claims are durable; their commands may start.
        var claimedEvents: [JobEvent] = []
        let claimedCount = exchanged.filter { $0 }.count
        for i in claims.indices where exchanged[i] {
            if let syncError { claimResults[i] = .failure(syncError); continue }
            let job = claimJobs[i]!
            claimedEvents.append(JobEvent(job, from: claims[i].reserved.originState.rawValue, to: JobState.processing.rawValue,
                                          reason: claimedCount > 1 ? "claimed (\(claimedCount) in one commit)" : "claimed"))
            CrashPoint.hit("claim:rewritten")
            claimResults[i] = .success(.claimed(JobClaim(path: claims[i].reserved.path, job: job)))
        }
        logEvents(claimedEvents)
        if !claims.isEmpty { claimsDurable(claimResults.map { $0! }) }
        // (6): the outcomes' claim names, once their new names are durable.
        guard !outcomes.isEmpty else { return errors }
        if syncError == nil {
            for (i, item) in outcomes.enumerated() where linked[i] && errors[i] == nil {
                do { try FileSystem.unlinkIfExists(item.claim.path) } catch { errors[i] = error }
            }
        }
        if !deferProcessingSync() {
            do { try FileSystem.syncDirectory(directory(.processing)) } catch { syncError = syncError ?? error }
        }
        for (i, item) in outcomes.enumerated() where errors[i] == nil {
            errors[i] = syncError
            if syncError == nil { CrashPoint.hit("move:renamed", item.job.state.rawValue) }
        }
        logFinished(outcomes, errors: errors)
        return errors
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
