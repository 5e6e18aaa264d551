import QueueSystem

/// What fsck keeps of one copy of a suspect id (see `FsckChecker.suspects`).
struct SeenCopy {
    var state: JobState
    var name: String
    var updatedAt: Timestamp
    /// The JSON state matches the directory.
    var consistent: Bool
    var status: FileStatus

    init(_ state: JobState, name: String, job: Job, status: FileStatus) {
        self.state = state
        self.name = name
        updatedAt = job.updatedAt
        consistent = job.state == state
        self.status = status
    }
}

extension FsckChecker {
    /// Calls `body` for each job file whose name's id hashes into `hashes`: one streamed pass
    /// over the state directories, none at all when `hashes` is empty (the normal case).
    func forEachJob(hashedIn hashes: Set<UInt64>, _ body: (JobState, String, JobID) -> Void) {
        guard !hashes.isEmpty else { return }
        for state in JobState.allCases {
            try? DirectoryStream.forEach(spool.directory(state)) { entry in
                if entry.rawName == nil, let id = JobFileName.id(of: entry.name, in: state),
                   hashes.contains(NameHash.fnv1a(id.rawValue.utf8)) { body(state, entry.name, id) }
                return true
            }
        }
    }

    /// The ids of the job files whose id hashes into `hashes`, each once.
    func ids(hashedIn hashes: Set<UInt64>) -> [JobID] {
        var found: Set<JobID> = []
        forEachJob(hashedIn: hashes) { _, _, id in found.insert(id) }
        return found.sorted { $0.rawValue < $1.rawValue }
    }

    /// Every copy of the suspect ids (an id hash the scan saw twice), read again. An orphaned
    /// claim is left out, as in the scan (recovery settles it).
    func suspectCopies() -> [JobID: [SeenCopy]] {
        var copies: [JobID: [SeenCopy]] = [:]
        let spool = self.spool, config = self.config, now = self.now
        forEachJob(hashedIn: suspects) { state, name, id in
            if state == .processing, spool.orphanReason(name, config: config, now: now) != nil { return }
            let p = spool.path(state.directory, name)
            guard let st = try? FileStatus.of(p), st.kind == .regular, let job = try? spool.readJob(at: p) else { return }
            copies[id, default: []].append(SeenCopy(state, name: name, job: job, status: st))
        }
        return copies
    }
}
