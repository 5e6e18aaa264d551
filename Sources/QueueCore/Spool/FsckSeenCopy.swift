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
    /// Every copy of the suspect ids (an id hash the scan saw twice): a second streamed pass
    /// over the state directories that reads only the files whose name's id is a suspect. An
    /// orphaned claim is left out, as in the scan (recovery settles it). Nothing when there is
    /// no suspect, which is the normal case: the second pass costs nothing then.
    /// The ids of the job files whose id hashes into `hashes`: a streamed pass over the state
    /// directories; nothing to do (no pass) when `hashes` is empty, the normal case.
    func ids(hashedIn hashes: Set<UInt64>) -> [JobID] {
        guard !hashes.isEmpty else { return [] }
        var found: Set<JobID> = []
        for state in JobState.allCases {
            try? DirectoryStream.forEach(spool.directory(state)) { entry in
                if entry.rawName == nil, let id = JobFileName.id(of: entry.name, in: state),
                   hashes.contains(NameHash.fnv1a(id.rawValue.utf8)) { found.insert(id) }
                return true
            }
        }
        return found.sorted { $0.rawValue < $1.rawValue }
    }

    func suspectCopies() -> [JobID: [SeenCopy]] {
        guard !suspects.isEmpty else { return [:] }
        var copies: [JobID: [SeenCopy]] = [:]
        let spool = self.spool, config = self.config, now = self.now
        for state in JobState.allCases {
            try? DirectoryStream.forEach(spool.directory(state)) { entry in
                guard entry.rawName == nil, let id = JobFileName.id(of: entry.name, in: state),
                      suspects.contains(NameHash.fnv1a(id.rawValue.utf8)) else { return true }
                if state == .processing, spool.orphanReason(entry.name, config: config, now: now) != nil { return true }
                let p = spool.path(state.directory, entry.name)
                guard let st = try? FileStatus.of(p), st.kind == .regular, let job = try? spool.readJob(at: p) else { return true }
                copies[id, default: []].append(SeenCopy(state, name: entry.name, job: job, status: st))
                return true
            }
        }
        return copies
    }
}
