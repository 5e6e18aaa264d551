#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import QueueSystem

/// One transition of a job, as a line of the event log (`events/events.log`).
public struct JobEvent: Sendable, Equatable {
    public var time: Timestamp
    public var job: JobID
    /// The state (directory) the job left; nil for an enqueue.
    public var from: String?
    /// The state it reached, or `deleted`, `purged`, `archived`.
    public var to: String
    /// The worker that runs or last ran the job (its `worker` field).
    public var worker: String?
    /// The attempts counted so far (the job's `attempts`).
    public var attempt: Int
    public var reason: String?

    public init(_ job: Job, from: String?, to: String, reason: String? = nil, time: Timestamp = .now()) {
        self.time = time
        self.job = job.id
        self.from = from
        self.to = to
        worker = job.worker
        attempt = job.attempts
        self.reason = reason
    }

    public init(id: JobID, from: String?, to: String, worker: String?, attempt: Int, reason: String? = nil, time: Timestamp = .now()) {
        self.time = time
        job = id
        self.from = from
        self.to = to
        self.worker = worker
        self.attempt = attempt
        self.reason = reason
    }

    /// The longest `reason` kept (bytes, cut at a character boundary), so a line stays far below
    /// 4 KiB: one `write(2)` per line is never split.
    public static let maxReasonBytes = 1024

    /// The JSON line (ending in `\n`): `time, job, from, to, worker, host, pid, attempt[, reason]`.
    /// `host` and `pid` name the process that made the transition.
    func line(by tag: ProcessTag) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func key(_ k: String) { out.append(contentsOf: (out.isEmpty ? "{\"" : ",\"").utf8); out.append(contentsOf: k.utf8); out.append(contentsOf: "\":".utf8) }
        func string(_ s: String?) { if let s { JSONWriter.writeString(s, into: &out) } else { out.append(contentsOf: "null".utf8) } }
        key("time"); string(time.iso8601)
        key("job"); string(job.rawValue)
        key("from"); string(from)
        key("to"); string(to)
        key("worker"); string(worker)
        key("host"); string(tag.host)
        key("pid"); out.append(contentsOf: String(tag.pid).utf8)
        key("attempt"); out.append(contentsOf: String(attempt).utf8)
        if let reason {
            key("reason")
            var cut = Substring(reason)
            while cut.utf8.count > JobEvent.maxReasonBytes { cut = cut.dropLast() }
            string(String(cut))
        }
        out.append(contentsOf: "}\n".utf8)
        return out
    }
}

extension Spool {
    /// `events/`: the event log and its rotated files.
    public var eventsDirectory: String { path("events") }
    /// `events/events.log`: the current event log.
    public var eventLogPath: String { path("events", "events.log") }

    /// Appends one line per event to the event log (best effort: a failure to write is ignored,
    /// it never fails or delays a transition beyond the write itself). All lines of one call go
    /// in one `write(2)` with `O_APPEND`. Not fsynced: after a power cut the tail of the log may
    /// lack the last transitions; the job files stay the truth. Off when `event_log` is false.
    public func logEvents(_ events: [JobEvent]) {
        guard !events.isEmpty else { return }
        EventLogWriter.shared(for: self).append(events)
    }

    /// Logs a job file that was removed (`deleted`, `purged`); `job` is its content read before,
    /// nil when it could not be read.
    func logRemoval(_ job: Job?, id: JobID, from: JobState, to: String) {
        logEvents([JobEvent(id: id, from: from.rawValue, to: to, worker: job?.worker, attempt: job?.attempts ?? 0)])
    }

    /// Logs the outcomes of a group commit that were recorded (`errors[i] == nil`), in one write.
    func logFinished(_ batch: [Finish], errors: [SystemError?]) {
        logEvents(batch.indices.filter { errors[$0] == nil }.map { i in
            let job = batch[i].job
            var reason = job.lastError
            if job.state == .failed { reason = (reason.map { $0 + "; " } ?? "") + "retry due at \(job.runAt.iso8601)" }
            return JobEvent(job, from: JobState.processing.rawValue, to: job.state.rawValue, reason: reason)
        })
    }

    /// `logEvents` for one event.
    public func logEvent(_ job: Job, from: String?, to: String, reason: String? = nil) {
        logEvents([JobEvent(job, from: from, to: to, reason: reason)])
    }
}

/// The process's writer of one spool's event log: opened once, one write per call, rotated by
/// size under an `flock` on `events/.rotate.lock`. Thread-safe.
final class EventLogWriter: @unchecked Sendable {
    private struct State {
        var fd: Int32 = -1
        var inode: UInt64 = 0
        var enabled = true
        var maxBytes = 16 << 20
        var keep = 3
        var configStamp: Int64 = -1
        var configCheckedAt: UInt64 = 0
    }

    private static let writers = Mutex<[String: EventLogWriter]>([:])
    private let spool: Spool
    private let state = Mutex(State())

    private init(spool: Spool) { self.spool = spool }

    static func shared(for spool: Spool) -> EventLogWriter {
        writers.withLock { all in
            if let w = all[spool.root] { return w }
            let w = EventLogWriter(spool: spool)
            all[spool.root] = w
            return w
        }
    }

    func append(_ events: [JobEvent]) {
        var bytes: [UInt8] = []
        for e in events { bytes.append(contentsOf: e.line(by: .current)) }
        state.withLock { s in
            refreshConfig(&s)
            guard s.enabled else { return }
            if s.fd < 0 { open(&s) }
            guard s.fd >= 0 else { return }
            let ok = bytes.withUnsafeBytes { raw -> Bool in
                var off = 0
                while off < raw.count {
                    let n = write(s.fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    off += n
                }
                return true
            }
            guard ok else { close(s.fd); s.fd = -1; return }
            // Rotated away (by another process) or removed: reopen; else rotate when too big.
            guard let st = try? FileStatus.of(spool.eventLogPath), st.inode == s.inode else {
                close(s.fd); s.fd = -1
                return
            }
            if st.size >= Int64(s.maxBytes) { rotate(&s) }
        }
    }

    /// Re-reads `event_log`, `event_log_max_bytes` and `event_log_keep` when config.json changed,
    /// looking at most every 2 seconds.
    private func refreshConfig(_ s: inout State) {
        let now = MonotonicClock.nanos()
        guard s.configStamp == -1 || now - s.configCheckedAt >= 2_000_000_000 else { return }
        s.configCheckedAt = now
        let stamp = (try? FileStatus.of(spool.configPath))?.modifiedNanos ?? 0
        guard stamp != s.configStamp else { return }
        s.configStamp = stamp
        let c = (try? spool.config()) ?? Config()
        s.enabled = c.eventLog
        s.maxBytes = c.eventLogMaxBytes
        s.keep = c.eventLogKeep
        if !s.enabled && s.fd >= 0 { close(s.fd); s.fd = -1 }
    }

    private func open(_ s: inout State) {
        _ = try? FileSystem.makeDirectory(spool.eventsDirectory)
        let fd = Glibc.open(spool.eventLogPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        var st = stat()
        guard fstat(fd, &st) == 0 else { close(fd); return }
        s.fd = fd
        s.inode = UInt64(st.st_ino)
    }

    /// Renames `events.log.(k-1)` to `events.log.k` down to `events.log` → `events.log.1`, under
    /// the lock, only if the current file is still ours and still too big (another process may
    /// have rotated it meanwhile); then opens a fresh `events.log`.
    private func rotate(_ s: inout State) {
        let lockPath = spool.path("events", ".rotate.lock")
        let lfd = Glibc.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lfd >= 0 else { return }
        defer { close(lfd) }
        while flock(lfd, LOCK_EX) != 0 { if errno != EINTR { return } }
        if let st = try? FileStatus.of(spool.eventLogPath), st.inode == s.inode, st.size >= Int64(s.maxBytes) {
            let base = spool.eventLogPath
            if s.keep == 0 {
                _ = try? FileSystem.unlinkIfExists(base)
            } else {
                _ = try? FileSystem.unlinkIfExists("\(base).\(s.keep)")
                if s.keep > 1 {
                    for k in stride(from: s.keep - 1, through: 1, by: -1) { _ = try? FileSystem.rename("\(base).\(k)", "\(base).\(k + 1)") }
                }
                _ = try? FileSystem.rename(base, "\(base).1")
            }
        }
        close(s.fd); s.fd = -1
        open(&s)
        _ = flock(lfd, LOCK_UN)
    }
}
