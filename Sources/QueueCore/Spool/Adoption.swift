import QueueSystem

/// Jobs dropped straight into pending/ (or failed/) by cron, `cp` or `echo >`, under any name.
extension Spool {
    /// What happened to a dropped file.
    public enum AdoptionResult: Sendable, Equatable, CustomStringConvertible {
        case adopted(JobID)
        /// Not parseable yet, but younger than the grace period: it may still be being written.
        case deferred
        /// Moved to corrupt/, with this reason.
        case quarantined(String)
        /// Unreadable (e.g. permissions): reported, left in place.
        case leftInPlace(String)
        case vanished

        /// One line for the worker's output and fsck.
        public var description: String {
            switch self {
            case .adopted(let id): return "adopted as job \(id)"
            case .deferred: return "does not parse yet; left alone until drop_grace has passed"
            case .quarantined(let reason): return "quarantined in corrupt/: \(reason)"
            case .leftInPlace(let why): return "left in place: \(why)"
            case .vanished: return "vanished"
            }
        }
    }

    /// Adopts the file `name` in `dir`: a valid job gets its id (from the `id` field, else from
    /// the name without `.json` when that is a valid id, else a generated one), missing fields
    /// defaulted, state pending, and its ordered name. A job that was dead or completed starts
    /// again with attempts 0. Invalid files older than `grace` seconds, non-regular files, files
    /// over the size limit and duplicate ids are quarantined.
    public func adopt(_ name: String, in dir: JobState, grace: Double, now: Timestamp = .now()) -> AdoptionResult {
        let p = path(dir.directory, name)
        guard let st = try? FileStatus.of(p) else { return .vanished }
        func quarantine(_ reason: String) -> AdoptionResult {
            do {
                return try self.quarantine(name, in: dir.directory, reason: reason) == nil ? .vanished : .quarantined(reason)
            } catch {
                return .leftInPlace("cannot quarantine: \(error)")
            }
        }
        if st.kind != .regular { return quarantine("not a regular file (\(st.kind))") }
        if st.size > Int64(Spool.maxJobFileSize) { return quarantine("file is larger than \(Spool.maxJobFileSize) bytes") }
        let bytes: [UInt8]
        do {
            guard let b = try FileSystem.readFile(p, limit: Spool.maxJobFileSize) else {
                return quarantine("file is larger than \(Spool.maxJobFileSize) bytes")
            }
            bytes = b
        } catch let e where e.isNotFound {
            return .vanished
        } catch let e where e.errno == .tooManySymbolicLinks {
            return quarantine("not a regular file (symlink)")
        } catch {
            return .leftInPlace("unreadable: \(error)")
        }
        let stem = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        let fallback = JobID.isValid(stem) ? JobID(unchecked: stem) : nil
        var job: Job
        do {
            job = try Job.decode(bytes, fallbackID: fallback, now: now)
        } catch {
            let ageSeconds = Double(now.micros * 1000 - st.modifiedNanos) / 1e9
            if ageSeconds < grace { return .deferred }
            return quarantine("\(error)")
        }
        // The id must not belong to another job file.
        do {
            if try !FileSystem.createExclusive(markerPath(job.id), content: IDMarker(writer: .current, createdAt: job.createdAt).bytes) {
                if let other = locateOther(job.id, than: p) {
                    return quarantine("duplicate id '\(job.id)': a job with that id is in \(other.state.directory)/")
                }
                if readMarker(job.id)?.createdAt != job.createdAt { try rewriteMarker(for: job) }
            }
        } catch {
            return .leftInPlace("\(error)")
        }
        job.resetForQueue(keepingAttempts: job.state != .dead && job.state != .completed)
        job.updatedAt = now
        do {
            try move(p, to: .pending, as: job, durable: true, reason: "adopted \(dir.directory)/\(name)")
        } catch where error.isNotFound {
            return .vanished
        } catch {
            return .leftInPlace("cannot adopt: \(error)")
        }
        return .adopted(job.id)
    }
}
