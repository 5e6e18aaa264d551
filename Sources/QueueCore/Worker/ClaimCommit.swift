import Dispatch
import QueueSystem

/// Claims committed in batches: the claims a worker's loop won in one turn are made durable
/// together (`commitClaims`), with one fsync of each directory for the batch, not per claim.
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

    /// How each claim of a batch ended: claimed (durable: the command may start), put back,
    /// not claimed; or the system error that stopped it (the caller then `abandon`s it).
    public typealias ClaimResult = Result<ClaimCompletion, SystemError>

    /// Commits claims won by their renames (`reserve`), together: each is read and checked
    /// (`prepareClaim`: put back or quarantined when not a job); the new contents (state
    /// processing, attempts + 1, started_at, worker) are written to tmp/ and made durable (an
    /// fsync each for up to eight, else one `syncfs`), exchanged into their claims, then
    /// processing/ and the directories they came from are fsynced once each (`claim:rewritten`).
    /// Only then may a command start: a power cut leaves a complete claim that recovery counts
    /// as an interrupted attempt, or the job back where it was; never an empty claim, nor a
    /// stale copy in pending/ or failed/. On a filesystem without `RENAME_EXCHANGE`,
    /// each claim is committed on its own, fenced (`completeClaim`).
    /// - Returns: per claim: claimed (durable), put back, not claimed (taken away, quarantined),
    ///   or the system error that stopped it (the caller then `abandon`s it).
    public func commitClaims(_ claims: [ClaimRequest], worker: ProcessTag, now: Timestamp = .now()) -> [ClaimResult] {
        if !hasAtomicRenameFlags {
            return claims.map { c in
                Result { () throws(SystemError) in try completeClaim(c.reserved, worker: worker, dropGrace: c.dropGrace, now: now) }
            }
        }
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
        var changed: Set<String> = []
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
        let processingDir = directory(.processing)
        for dir in (changed.contains(processingDir) ? [processingDir] : []) + changed.subtracting([processingDir]).sorted() {
            do { try FileSystem.syncDirectory(dir) } catch { syncError = syncError ?? error }
        }
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

    /// Writes each job's content to a new file in tmp/ and makes them durable: an fsync each
    /// for up to eight files, else one `syncfs` (cheaper than many fsyncs, as for `enqueue -`).
    func writeDurably(_ jobs: [Job]) -> [Result<String, SystemError>] {
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

/// The result of one claim's commit, waited for by the thread that will run it.
final class ClaimTicket: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Spool.ClaimResult?

    func settle(_ result: Spool.ClaimResult) {
        self.result = result
        done.signal()
    }

    /// Blocks until the claim's commit has settled it.
    func wait() -> Spool.ClaimResult {
        done.wait()
        return result!
    }
}
