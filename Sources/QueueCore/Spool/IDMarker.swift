import QueueSystem

/// `ids/<id>`: the reservation of a job id. Created with `O_EXCL` by whoever brings a job into
/// the queue (`enqueue`, adoption of a dropped file, or the claim of a file dropped straight
/// under a queue name). It holds two lines: the writer's process tag and the `created_at` of
/// the job that owns the id. A job file whose `created_at` differs from its marker's is not the
/// owner of its id (a file dropped by hand under a queue name while another job has the id).
/// A marker without a second line (older spools, fsck's repair) names no owner: any job with
/// the id is taken as its owner. `enqueue` makes the marker a hard link to the job's file
/// instead (one inode per job, not two): its content is then the job's JSON as first written,
/// whose `created_at` names the owner (`isJobFile`).
struct IDMarker: Equatable {
    var writer: ProcessTag?
    var createdAt: Timestamp?

    var bytes: [UInt8] {
        Array(((writer?.rawValue ?? "") + "\n" + (createdAt?.iso8601 ?? "") + "\n").utf8)
    }

    init(writer: ProcessTag?, createdAt: Timestamp?) {
        self.writer = writer
        self.createdAt = createdAt
    }

    /// True for a marker that is a hard link to its job's first file (`enqueue`): its owner is
    /// that job's `created_at`, and it names no writer.
    var isJobFile = false

    init(parsing bytes: [UInt8]) {
        if bytes.first == UInt8(ascii: "{") {
            isJobFile = true
            writer = nil
            if case .object(let o)? = try? JSONParser.parse(bytes) {
                createdAt = o["created_at"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
            }
            return
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        writer = lines.first.flatMap { ProcessTag($0) }
        createdAt = lines.count > 1 ? Timestamp(iso8601: String(lines[1])) : nil
    }
}

/// Whether a job file owns its id, as `Spool.claimID(of:at:)` found.
enum IDOwnership {
    /// The marker names this job (or no one), or was created for it now.
    case owned
    /// Another job file has the id.
    case taken(by: JobLocation)
}

extension Spool {
    /// Reads `ids/<id>`; nil when it does not exist or cannot be read.
    func readMarker(_ id: JobID) -> IDMarker? {
        guard let bytes = try? FileSystem.readFile(markerPath(id), limit: Spool.maxJobFileSize) else { return nil }
        return IDMarker(parsing: bytes)
    }

    /// Replaces `ids/<id>` with a marker naming `job` (write to tmp/, rename over), durably.
    func rewriteMarker(for job: Job) throws(SystemError) {
        let tmp = tmpName("marker")
        try FileSystem.writeNewFile(tmp, IDMarker(writer: .current, createdAt: job.createdAt).bytes, sync: true)
        do { try FileSystem.rename(tmp, markerPath(job.id)) } catch {
            _ = try? FileSystem.unlinkIfExists(tmp)
            throw error
        }
        try FileSystem.syncDirectory(path("ids"))
    }

    /// Makes sure the job file at `path` owns its id before it runs, so that a file dropped
    /// under a queue name goes through the same reservation as `enqueue`: no marker → one is
    /// created for it (durably); a marker naming another `created_at` → the job that has the
    /// id is looked for elsewhere: found, the id is taken; not found (a stale marker: its job
    /// was removed by hand), the marker is taken over.
    func claimID(of job: Job, at path: String) throws(SystemError) -> IDOwnership {
        for _ in 0..<3 {
            guard let marker = readMarker(job.id) else {
                if try FileSystem.createExclusive(markerPath(job.id), content: IDMarker(writer: .current, createdAt: job.createdAt).bytes) {
                    try FileSystem.syncDirectory(self.path("ids"))
                    return .owned
                }
                continue  // created meanwhile by someone else: read it
            }
            guard let owner = marker.createdAt, owner != job.createdAt else { return .owned }
            if let other = locateOther(job.id, than: path) { return .taken(by: other) }
            try rewriteMarker(for: job)
            return .owned
        }
        return .owned
    }

    /// A job file with `id` other than the one at `path`, in any state directory.
    func locateOther(_ id: JobID, than path: String) -> JobLocation? {
        for state in [JobState.completed, .dead, .held, .waiting] {
            let p = self.path(state.directory, JobFileName.plain(id))
            if p != path, (try? FileStatus.of(p)) != nil { return JobLocation(state: state, name: JobFileName.plain(id), path: p) }
        }
        let suffix = "." + id.rawValue + ".json"
        for state in [JobState.processing, .pending, .failed] {
            guard let names = try? DirectoryStream.names(directory(state)) else { continue }
            for name in names where name.hasSuffix(suffix) && JobFileName.id(of: name, in: state) == id {
                let p = self.path(state.directory, name)
                if p != path { return JobLocation(state: state, name: name, path: p) }
            }
        }
        return nil
    }
}
