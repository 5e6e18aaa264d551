/// Recording many outcomes at once ("group commit"): the same steps as `finish`, per job
/// `move:rewritten` then `move:renamed`, but the directory fsyncs are shared by the batch.
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
    /// renamed to its directory (no-replace); (3) the destination directories and processing/
    /// are fsynced once for the whole batch (`move:renamed`). A crash anywhere leaves each job
    /// in one of the states the single-job table of spool-layout.md lists.
    public func finish(_ batch: [Finish]) -> [SystemError?] {
        var errors = [SystemError?](repeating: nil, count: batch.count)
        let syncEach = batch.count <= 8  // as enqueue: beyond 8 files one syncfs is cheaper than an fsync each
        var temporaries = [String?](repeating: nil, count: batch.count)
        for (i, item) in batch.enumerated() {
            precondition([.completed, .failed, .dead].contains(item.job.state), "finish: not an outcome state")
            do { temporaries[i] = try writeTemporary(item.job, sync: syncEach) } catch { errors[i] = error }
        }
        if !syncEach {
            do { try FileSystem.syncFileSystem(root) } catch {
                for i in batch.indices where errors[i] == nil { errors[i] = error }
            }
        }
        var touched: Set<String> = []
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
                    try FileSystem.renameNoReplace(item.claim.path, dest)
                } catch where error.isExists {
                    try settleDuplicate(moving: item.claim.path, onto: dest, state: item.job.state)
                }
                touched.insert(directory(item.job.state))
            } catch {
                errors[i] = error
            }
        }
        var syncError: SystemError?
        for dir in touched.sorted() + [directory(.processing)] {
            do { try FileSystem.syncDirectory(dir) } catch { syncError = syncError ?? error }
        }
        for (i, item) in batch.enumerated() where errors[i] == nil {
            errors[i] = syncError
            if syncError == nil { CrashPoint.hit("move:renamed", item.job.state.rawValue) }
        }
        return errors
    }
}
