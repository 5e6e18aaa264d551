import QueueSystem

/// Change notifications for a spool, for live views (`GET /api/events`): which jobs arrived in
/// which state, and when something else changed that a status would show.
///
/// Watches every state directory (`JobState.allCases`: pending/, processing/, completed/,
/// failed/, dead/, held/, waiting/), workers/ (registrations, heartbeats, stop requests) and the
/// spool root (the `paused` flag, state directories re-created) with inotify. A name arriving
/// in a state directory that parses as that state's job name (`JobFileName.id(of:in:)`) is
/// reported as `.job(id, state)`; a name leaving, a name the queue did not make, a worker or
/// pause change, or a kernel queue overflow is reported as `.rescan` (the caller recomputes
/// what it shows). Foreign temporaries (`*.tmp`, dotfiles) are ignored.
///
/// Polling: when inotify is unavailable (or `useInotify` is false, or a watch cannot be
/// added), `wait` also returns `.rescan` every `pollPeriod` seconds; with every watch in place,
/// every `slowPollPeriod` seconds all the same (changes made by other hosts on a network
/// filesystem raise no inotify event here). Not thread-safe: one thread owns it.
public final class SpoolChanges: @unchecked Sendable {
    /// One change: a job now in a state directory, or "something else changed: rescan".
    public enum Change: Sendable, Equatable {
        case job(JobID, JobState)
        case rescan
    }

    public let spool: Spool
    /// Seconds between rescans while some directory is not watched.
    public let pollPeriod: Double
    /// Seconds between rescans while every directory is watched.
    public let slowPollPeriod: Double
    private let watch: DirectoryWatch?
    private var watched: Set<String> = []
    private var nextPoll: UInt64 = 0
    private let stateOf: [String: JobState]
    /// On a network or FUSE filesystem inotify misses other hosts' changes: never the slow period.
    private let sharedFilesystem: Bool

    /// Starts watching `spool` (whose directories should exist: `Spool.create()`).
    /// - Parameters:
    ///   - useInotify: false polls only (tests of the fallback).
    ///   - pollPeriod: the rescan period without (complete) inotify; at least 0.01 s.
    ///   - slowPollPeriod: the rescan period with every watch in place; at least `pollPeriod`.
    public init(spool: Spool, useInotify: Bool = true, pollPeriod: Double = 2, slowPollPeriod: Double = 10) {
        self.spool = spool
        self.pollPeriod = max(0.01, pollPeriod)
        self.slowPollPeriod = max(self.pollPeriod, slowPollPeriod)
        var states: [String: JobState] = [:]
        for s in JobState.allCases { states[spool.directory(s)] = s }
        stateOf = states
        sharedFilesystem = (try? FileSystemKind.of(spool.root))?.isShared ?? false
        if useInotify {
            let w = DirectoryWatch()
            watch = w.fd >= 0 ? w : nil
        } else {
            watch = nil
        }
        addMissingWatches()
        nextPoll = MonotonicClock.deadline(afterNanos: TimeLimits.nanoseconds(period))
    }

    /// The descriptor to poll for readability (-1 without inotify).
    public var fd: Int32 { watch?.fd ?? -1 }

    /// True when every directory is watched by inotify.
    public var isWatching: Bool { watch != nil && watched.count == directories.count }

    /// The current rescan period: `slowPollPeriod` when watching everything on a local
    /// filesystem, else `pollPeriod` (on a shared one other hosts' changes raise no event).
    public var period: Double { isWatching && !sharedFilesystem ? slowPollPeriod : pollPeriod }

    private var directories: [String] {
        JobState.allCases.map { spool.directory($0) } + [spool.path("workers"), spool.root]
    }

    private func addMissingWatches() {
        guard let watch else { return }
        for dir in directories where !watched.contains(dir) {
            let extra: DirectoryWatch.Extra = dir == spool.path("workers") ? [.removals, .attributes] : [.removals]
            if watch.add(dir, including: extra) { watched.insert(dir) }
        }
    }

    /// Waits until a change is reported, one of `others` is readable or `timeoutMilliseconds`
    /// pass, and returns the changes (possibly none). Contains `.rescan` (once) when the poll
    /// period came round or something other than a job's arrival changed.
    public func wait(timeoutMilliseconds: Int, alsoWatching others: [Int32] = []) -> [Change] {
        let now = MonotonicClock.nanos()
        let untilPoll = nextPoll > now ? Int((nextPoll - now) / 1_000_000) + 1 : 0
        _ = try? Socket.readable([fd] + others, timeoutMilliseconds: min(max(0, timeoutMilliseconds), untilPoll))
        var changes = drain()
        let after = MonotonicClock.nanos()
        if after >= nextPoll {
            addMissingWatches()
            if !changes.contains(.rescan) { changes.append(.rescan) }
            nextPoll = MonotonicClock.deadline(afterNanos: TimeLimits.nanoseconds(period), from: after)
        }
        return changes
    }

    /// The changes reported since the last call, without waiting.
    public func drain() -> [Change] {
        guard let watch else { return [] }
        let (events, overflow) = watch.drainEvents()
        var changes: [Change] = []
        var rescan = overflow
        for e in events {
            switch classify(e) {
            case .job(let id, let state)?: changes.append(.job(id, state))
            case .rescan?: rescan = true
            case nil: break
            }
        }
        if rescan { changes.append(.rescan) }
        return changes
    }

    private func classify(_ e: DirectoryWatch.Event) -> Change? {
        guard let dir = e.directory else { return .rescan }
        if e.name.isEmpty {
            // The directory itself went away (or its watch did): poll until it is back.
            if e.removed { watched.remove(dir); nextPoll = min(nextPoll, MonotonicClock.deadline(afterNanos: TimeLimits.nanoseconds(pollPeriod))) }
            return .rescan
        }
        if JobFileName.isForeignTemporary(e.name) { return nil }
        if let state = stateOf[dir] {
            if e.removed { return .rescan }
            guard let id = JobFileName.id(of: e.name, in: state) else { return .rescan }
            return .job(id, state)
        }
        if dir == spool.root {
            if e.name == "paused" { return .rescan }
            if e.name == "workers" || JobState(rawValue: e.name) != nil {
                addMissingWatches()
                return .rescan
            }
            return nil
        }
        // workers/: registrations, heartbeats (mtime), stop requests; not the logs.
        return e.name.hasSuffix(".json") || e.name.hasSuffix(".stop") ? .rescan : nil
    }
}
