import QueueSystem

/// What fsck keeps of one job file it read (see `FsckChecker.seen`).
struct SeenCopy {
    var state: JobState
    var name: String
    var updatedAt: Timestamp
    /// The JSON state matches the directory.
    var consistent: Bool
    var status: FileStatus
    /// `ids/<id>` exists (set while the markers are listed).
    var hasMarker = false

    init(_ state: JobState, name: String, job: Job, status: FileStatus) {
        self.state = state
        self.name = name
        updatedAt = job.updatedAt
        consistent = job.state == state
        self.status = status
    }
}
