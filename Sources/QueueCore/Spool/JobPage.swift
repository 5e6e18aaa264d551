import QueueSystem

/// One page of a state's jobs for a browsing client (the web API): the names after a cursor, in
/// claim order (ordered states) or name order, read without sorting or keeping the whole
/// directory (a bounded buffer of about `2 * limit` names), and at most `scanLimit` job files
/// read when a search text is given. Never counts.
public struct JobPage: Sendable {
    /// The jobs shown, at most `limit`.
    public var jobs: [Job]
    /// The cursor for the next page (the last name looked at), nil at the end.
    public var next: String?
}

extension Spool {
    /// The names of `state` strictly after `cursor` (all when nil), the first `limit` of them.
    public func names(in state: JobState, after cursor: String?, limit: Int) throws(QueueError) -> [String] {
        var kept: [String] = []
        let cap = min(max(limit, 1), 1 << 40)
        do {
            try DirectoryStream.forEach(directory(state)) { entry in
                if JobFileName.isForeignTemporary(entry.name) { return true }
                if let cursor, entry.name <= cursor { return true }
                kept.append(entry.name)
                if kept.count >= cap * 2 + 1024 { kept.sort(); kept.removeLast(kept.count - cap) }
                return true
            }
        } catch {
            throw .failure("cannot list \(directory(state))", error)
        }
        kept.sort()
        return Array(kept.prefix(limit))
    }

    /// A page of `state`'s jobs after `cursor`; with `search`, only jobs whose id or command
    /// contains it, reading at most `scanLimit` files (then `next` lets the client go on).
    /// Unreadable files are skipped (fsck reports them).
    public func jobPage(state: JobState, after cursor: String?, limit: Int, search: String?,
                        scanLimit: Int = 5000) throws(QueueError) -> JobPage {
        let limit = max(0, limit)
        var jobs: [Job] = []
        var position = cursor
        var scanned = 0
        let batch = search == nil ? limit + 1 : max(limit, min(scanLimit, 5000))
        let budget = max(scanLimit, limit)
        while jobs.count < limit && scanned < budget {
            let names = try names(in: state, after: position, limit: batch)
            if names.isEmpty { return JobPage(jobs: jobs, next: nil) }
            for name in names {
                if jobs.count >= limit || scanned >= budget { return JobPage(jobs: jobs, next: position) }
                position = name
                scanned += 1
                guard let job = try? readJob(at: path(state.directory, name)) else { continue }
                if let search, !search.isEmpty, !job.id.rawValue.contains(search), !job.command.contains(search) { continue }
                jobs.append(job)
            }
            if names.count < batch { return JobPage(jobs: jobs, next: nil) }
        }
        return JobPage(jobs: jobs, next: position)
    }
}
