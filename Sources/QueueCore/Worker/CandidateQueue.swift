import QueueSystem

/// The worker's bounded view of what to claim next, so that a claim never re-reads pending/.
///
/// A scan streams pending/ and failed/ once, keeping only the best `capacity` due names (by
/// name order = priority, then due time, then id) plus the earliest future due time. Claims take
/// names from the front; names reported by inotify are inserted when they rank inside the
/// window. A new scan happens when the window runs dry, a future job falls due, inotify
/// overflows, or the safety poll interval passes. Memory and per-claim cost stay flat in the
/// queue's size: one full scan per `capacity` claims.
public final class CandidateQueue {
    public struct Candidate: Sendable, Equatable {
        public var name: String
        public var state: JobState
    }

    let spool: Spool
    let capacity: Int
    /// Best candidate last (so taking one is `popLast`).
    private var window: [Candidate] = []
    /// True when the last scan dropped due names beyond `capacity`.
    private var truncated = false
    /// The earliest due time among names that were not due at the last scan.
    public private(set) var nextDue: Timestamp?
    /// True when failed/ holds a job waiting for a later retry (as of the last scan or offer).
    public private(set) var retryPending = false
    /// Names in pending/ or failed/ that do not follow the ordered pattern (dropped in by others).
    public private(set) var dropped: [(name: String, state: JobState)] = []
    public private(set) var lastScanNanos: UInt64 = 0
    public private(set) var lastScanDuration: UInt64 = 0
    public private(set) var scans = 0
    private var needsScan = true
    /// Names not to offer before a time (files put back because they may still be being written).
    private var skipped: [String: Timestamp] = [:]

    public init(spool: Spool, capacity: Int = 10_000) {
        self.spool = spool
        self.capacity = max(1, capacity)
    }

    /// Forces a scan before the next `next(now:)`.
    public func invalidate() { needsScan = true }

    public var isEmpty: Bool { window.isEmpty }

    /// Streams pending/ and failed/ and rebuilds the window.
    public func scan(now: Timestamp) {
        let started = MonotonicClock.nanos()
        var kept: [Candidate] = []
        var earliest: Timestamp?
        var foreign: [(String, JobState)] = []
        var retryWaits = false
        truncated = false
        // The worst name kept once `kept` has been cut to `capacity`: a name that sorts after it
        // cannot enter the window, and is dropped after one byte comparison (no String made).
        var threshold: [UInt8]?
        for state in [JobState.pending, .failed] {
            var invalid: [[UInt8]] = []
            try? DirectoryStream.forEachRaw(spool.directory(state)) { bytes, _ in
                if JobFileName.isForeignTemporary(bytes: bytes) { return true }
                guard let parsed = JobFileName.parseOrdered(bytes: bytes) else {
                    if let name = String(validating: bytes, as: UTF8.self) { foreign.append((name, state)) } else { invalid.append(Array(bytes)) }
                    return true
                }
                if parsed.due > now {
                    if earliest == nil || parsed.due < earliest! { earliest = parsed.due }
                    if state == .failed { retryWaits = true }
                    return true
                }
                if let threshold, !bytes.lexicographicallyPrecedes(threshold) { return true }
                let name = String(decoding: bytes, as: UTF8.self)
                if let until = skipped[name], until > now {
                    if earliest == nil || until < earliest! { earliest = until }
                    return true
                }
                kept.append(Candidate(name: name, state: state))
                if kept.count >= capacity * 2 {
                    kept.sort { $0.name < $1.name }
                    kept.removeLast(kept.count - capacity)
                    threshold = Array(kept[kept.count - 1].name.utf8)
                    truncated = true
                }
                return true
            }
            // Names that are not UTF-8 get their escaped form, then are adopted like any drop.
            for raw in invalid {
                if let renamed = try? spool.renameInvalidName(raw, in: state.directory) { foreign.append((renamed, state)) }
            }
        }
        kept.sort { $0.name > $1.name }
        if kept.count > capacity {
            kept.removeFirst(kept.count - capacity)
            truncated = true
        }
        window = kept
        nextDue = earliest
        retryPending = retryWaits
        skipped = skipped.filter { $0.value > now }
        dropped = foreign
        needsScan = false
        scans += 1
        lastScanNanos = MonotonicClock.nanos()
        lastScanDuration = lastScanNanos - started
    }

    /// Offers a name reported by a notification. Unknown patterns are remembered for adoption.
    public func offer(_ name: String, state: JobState, now: Timestamp) {
        if JobFileName.isForeignTemporary(name) { return }
        guard let parsed = JobFileName.parseOrdered(name) else {
            dropped.append((name, state))
            return
        }
        if parsed.due > now {
            if nextDue == nil || parsed.due < nextDue! { nextDue = parsed.due }
            if state == .failed { retryPending = true }
            return
        }
        if isSkipped(name, now: now) { return }
        if truncated, let worst = window.first, name > worst.name { return }
        // Binary search for the insertion point in descending order.
        var lo = 0, hi = window.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if window[mid].name > name { lo = mid + 1 } else { hi = mid }
        }
        if lo < window.count, window[lo].name == name { return }
        window.insert(Candidate(name: name, state: state), at: lo)
        if window.count > capacity { window.removeFirst(); truncated = true }
    }

    /// Does not offer `name` before `until` (it counts as due then, so the worker wakes for it).
    public func skip(_ name: String, until: Timestamp) {
        skipped[name] = until
        window.removeAll { $0.name == name }
        if nextDue == nil || until < nextDue! { nextDue = until }
    }

    /// Group limits: `candidate`, just taken from the front, is not offered before `until`
    /// (its group is full; `GroupGate`). Unlike `skip`, it is known not to be in the window.
    public func park(_ candidate: Candidate, until: Timestamp) {
        skipped[candidate.name] = until
        if nextDue == nil || until < nextDue! { nextDue = until }
    }

    /// Parked names may be offered again at once (a slot of their group was freed): each is
    /// offered, or with `rescan` the next `next(now:)` scans instead (for many names).
    public func unpark(_ candidates: [Candidate], now: Timestamp, rescan: Bool = false) {
        for c in candidates {
            skipped[c.name] = nil
            if !rescan { offer(c.name, state: c.state, now: now) }
        }
        if rescan { needsScan = true }
    }

    /// True (and nextDue updated) when `name` is being skipped at `now`.
    private func isSkipped(_ name: String, now: Timestamp) -> Bool {
        guard let until = skipped[name] else { return false }
        if until <= now { skipped[name] = nil; return false }
        if nextDue == nil || until < nextDue! { nextDue = until }
        return true
    }

    /// Takes the remembered dropped names (the caller adopts them).
    public func takeDropped() -> [(name: String, state: JobState)] {
        defer { dropped = [] }
        return dropped
    }

    /// The best candidate already in the window, without scanning (nil when it is empty).
    public func nextInWindow() -> Candidate? { window.popLast() }

    /// The next candidate to try to claim, scanning first when needed.
    /// - Parameter safetyInterval: seconds after which a non-empty window is refreshed anyway
    ///   (so jobs whose notification never came are found), as long as scans stay cheap.
    public func next(now: Timestamp, safetyInterval: Double) -> Candidate? {
        let monotonic = MonotonicClock.nanos()
        let sinceScan = monotonic - lastScanNanos
        if needsScan || window.isEmpty && sinceScan > 1_000_000 || (nextDue.map { $0 <= now } ?? false)
            || (Double(sinceScan) / 1e9 > safetyInterval && sinceScan > lastScanDuration * 10) {
            scan(now: now)
        }
        return window.popLast()
    }
}
