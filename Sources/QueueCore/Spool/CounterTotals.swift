#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// `stats/totals.json`: the counters of workers whose registration is gone, plus the interrupted
/// attempts recovery settled. Written only under an exclusive `flock` on `stats/lock`, as a new
/// file (tmp/, fsynced) renamed over the old one, then `stats/` fsynced: a reader (no lock)
/// always sees a complete file, and a crash leaves the old totals or the new (a stale tmp/ file
/// is removed by fsck, as any other).
///
/// `folded` maps each folded worker id to when it was folded, the `started_at` of the run that
/// was folded (one process may run several `Worker`s one after the other under one id) and the
/// counters folded for it, so a second fold of the same run (two recoverers, a crash between
/// the fold and the unlink of the registration) adds only what is new (normally nothing), and a
/// reader that still sees the registration counts only what it has beyond them. An entry is
/// pruned an hour after its fold, once the worker's registration no longer exists.
struct CounterTotals: Equatable {
    struct Fold: Equatable {
        var at: Timestamp
        /// The folded run's `started_at` (as its registration says it).
        var started: String
        var counters: JobCounters
    }

    var sum = JobCounters()
    var folded: [String: Fold] = [:]
    var updatedAt: Timestamp?

    static let pruneAfterSeconds = 3600.0

    var json: JSONValue {
        guard case .object(var o) = sum.json else { return sum.json }
        var f: [String: JSONValue] = [:]
        for (id, fold) in folded {
            guard case .object(var e) = fold.counters.json else { continue }
            e["at"] = .string(fold.at.iso8601)
            e["started_at"] = .string(fold.started)
            f[id] = .object(e)
        }
        o["folded"] = .object(f)
        if let updatedAt { o["updated_at"] = .string(updatedAt.iso8601) }
        return .object(o)
    }

    init() {}

    /// Parses what `json` writes. Nil when it is not such an object.
    init?(json value: JSONValue) {
        guard case .object(let o) = value, let sum = JobCounters(json: value) else { return nil }
        self.sum = sum
        updatedAt = o["updated_at"]?.stringValue.flatMap { Timestamp(iso8601: $0) }
        if case .object(let f)? = o["folded"] {
            for (id, entry) in f {
                guard case .object(let e) = entry, let c = JobCounters(json: entry) else { return nil }
                folded[id] = Fold(at: e["at"]?.stringValue.flatMap { Timestamp(iso8601: $0) } ?? Timestamp(micros: 0),
                                  started: e["started_at"]?.stringValue ?? "", counters: c)
            }
        } else if o["folded"] != nil {
            return nil
        }
    }
}

extension Spool {
    /// `stats/totals.json`.
    public var totalsPath: String { path("stats", "totals.json") }
    var totalsLockPath: String { path("stats", "lock") }

    /// The totals file; empty totals when it does not exist yet.
    /// - Throws: `QueueError.spoolUnusable` when it cannot be read or does not parse.
    func readTotals() throws(QueueError) -> CounterTotals {
        let bytes: [UInt8]?
        do { bytes = try FileSystem.readFile(totalsPath, limit: 16 << 20) } catch {
            if error.isNotFound { return CounterTotals() }
            throw .failure("cannot read \(totalsPath)", error)
        }
        guard let bytes, let value = try? JSONCoding.decode(bytes), let totals = CounterTotals(json: value) else {
            throw .spoolUnusable("\(totalsPath) is not a valid totals file; move it away to start the counters again")
        }
        return totals
    }

    /// Folds the counters of `worker`'s run started at `startedAt` into the totals and records
    /// it as folded, durably, before its registration may be removed. Folding the same run again
    /// adds only what `counters` has beyond the figures folded for it before (two recoverers, or
    /// a worker on another host that came back after its registration was removed, never count
    /// twice).
    /// - Throws: `QueueError` when the totals cannot be read or written (keep the registration then).
    public func foldCounters(of worker: ProcessTag, startedAt: String, _ counters: JobCounters,
                             now: Timestamp = .now()) throws(QueueError) {
        try updateTotals(now: now) { t in
            var before = JobCounters()
            if let f = t.folded[worker.rawValue], f.started == startedAt { before = f.counters }
            t.sum = t.sum + counters.beyond(before)
            t.folded[worker.rawValue] = .init(at: now, started: startedAt, counters: counters.atLeast(before))
        }
        CrashPoint.hit("stats:folded")
    }

    /// Folds the counters `worker`'s registration publishes (as `removeDeadRegistrations` does
    /// before it unlinks it). A registration already gone or unreadable has nothing to fold.
    /// - Returns: false when the fold failed: keep the registration, it is folded later.
    public func foldRegistration(of worker: ProcessTag, now: Timestamp = .now()) -> Bool {
        guard let (started, counters) = registeredCounters(of: worker) else { return true }
        do { try foldCounters(of: worker, startedAt: started, counters, now: now) } catch { return false }
        return true
    }

    /// Adds counts that belong to no registration (recovery's interrupted attempts) to the totals.
    public func addToTotals(_ delta: JobCounters, now: Timestamp = .now()) throws(QueueError) {
        try updateTotals(now: now) { t in t.sum = t.sum + delta }
    }

    /// Read, change and write the totals under the lock (see `CounterTotals`); prunes old folds.
    private func updateTotals(now: Timestamp, _ change: (inout CounterTotals) -> Void) throws(QueueError) {
        let stats = path("stats")
        do {
            if (try? FileStatus.of(stats, followLinks: true)) == nil { try repairLayout() }
            let lock = try FileDescriptor.open(totalsLockPath, flags: O_RDWR | O_CREAT | O_NOFOLLOW)
            try lock.closeAfter { (lock) throws(QueueError) in
                do { try lock.lockExclusive(path: totalsLockPath) } catch { throw .failure("cannot lock counters", error) }
                var totals = try readTotals()
                change(&totals)
                let cutoff = now.adding(seconds: -CounterTotals.pruneAfterSeconds)
                for (id, fold) in totals.folded where fold.at < cutoff {
                    if let tag = ProcessTag(id), (try? FileStatus.of(registrationPath(tag))) != nil { continue }
                    totals.folded[id] = nil
                }
                totals.updatedAt = now
                let tmp = tmpName("totals")
                do {
                    try FileSystem.writeNewFile(tmp, JSONCoding.encode(totals.json, pretty: true) + [0x0a], sync: true)
                    do { try FileSystem.rename(tmp, totalsPath) } catch { _ = try? FileSystem.unlinkIfExists(tmp); throw error }
                    try FileSystem.syncDirectory(stats)
                } catch {
                    throw .failure("cannot write \(totalsPath)", error)
                }
            }
        } catch let error as QueueError {
            throw error
        } catch {
            throw .failure("cannot update \(totalsPath)", error)
        }
    }
}

extension Spool {
    /// Recovery settled an interrupted attempt (to pending/: retried, or dead/): counted in the
    /// totals, since its worker is gone. Best effort: a failure loses this count only.
    func countRecoveredAttempt(outcome: JobState) {
        var delta = JobCounters()
        delta.count(outcome: outcome)
        _ = try? addToTotals(delta)
    }
}
