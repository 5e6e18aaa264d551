#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Workers register in `workers/<worker-id>.json`: id, host, pid, start time, concurrency and
/// the time it started. The file's mtime is the worker's heartbeat (its lease), renewed by
/// rewriting the file with fresh figures while it runs (by setting its mtime alone, `utimensat`,
/// when the disk is full); it is removed when the worker exits cleanly (or by
/// `removeDeadRegistrations` when it died). `workers/<worker-id>.stop` asks a worker on any host
/// to stop; a worker that starts stopping for any other reason (`Worker.stop()`, which the CLI
/// calls on a signal) creates it too, so `worker list` shows it stopping.
/// A background worker's output goes to `workers/<worker-id>.log`, kept after it exits. Job
/// logs are `logs/<job-id>.log`: a job id has no `/`, so no job can reach a worker's log.
public struct WorkerRecord: Sendable {
    public var id: ProcessTag
    public var count: Int
    public var startedAt: Timestamp
    public var background: Bool
    public var logPath: String?
    /// Heartbeat: mtime of the registration file.
    public var heartbeat: Timestamp
    public var stopRequested: Bool
    /// Jobs this worker finished in the last 1, 5 and 15 minutes (as of its last heartbeat).
    public var finished: (oneMinute: Int, fiveMinutes: Int, fifteenMinutes: Int)
}

extension Spool {
    public func registrationPath(_ worker: ProcessTag) -> String { path("workers", "\(worker.rawValue).json") }
    public func stopRequestPath(_ worker: ProcessTag) -> String { path("workers", "\(worker.rawValue).stop") }

    /// Where a background worker's output goes: `workers/<worker-id>.log`.
    public func workerLogPath(_ worker: ProcessTag) -> String { path("workers", "\(worker.rawValue).log") }

    /// Where `worker start --background` sends the new worker's output until the worker knows
    /// its own id: `workers/starting-<time>.log` (not a worker id: ids contain no `starting-`).
    public func startingWorkerLogPath(_ stamp: String) -> String { path("workers", "starting-\(stamp).log") }

    /// Renames the log a background worker was started with (`startingWorkerLogPath`) to
    /// `workerLogPath(worker)`; the worker's open output descriptors follow the file.
    /// - Returns: the path the log now has (the old one when the rename failed).
    public func takeOverWorkerLog(_ started: String, for worker: ProcessTag) -> String {
        let target = workerLogPath(worker)
        if started == target { return target }
        do { try FileSystem.rename(started, target) } catch { return started }
        _ = try? FileSystem.syncDirectory(path("workers"))
        return target
    }

    /// The log of the worker with process id `pid` on this host, whether or not it registered.
    public func workerLog(pid: Int32) -> String? {
        let names = (try? DirectoryStream.names(path("workers"))) ?? []
        return names.first { name in
            guard name.hasSuffix(".log"), let tag = ProcessTag(name.dropLast(4)) else { return false }
            return tag.pid == pid && tag.isOnThisHost
        }.map { path("workers", $0) }
    }

    /// The log of worker `id`, found without its registration (it may have exited):
    /// `workers/<id>.log`, else a log of the old layout, `logs/worker-<time>.log`, whose first
    /// lines say `worker <id> started`. Nil when there is none.
    public func findWorkerLog(_ id: String) -> String? {
        if let tag = ProcessTag(id), (try? FileStatus.of(workerLogPath(tag))) != nil { return workerLogPath(tag) }
        guard let names = try? DirectoryStream.names(path("logs")) else { return nil }
        let needle = Array(" worker \(id) started".utf8)
        for name in names.sorted() where name.hasPrefix("worker-") && name.hasSuffix(".log") {
            guard let fd = try? FileDescriptor.open(path("logs", name), flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK) else { continue }
            var start = [UInt8](repeating: 0, count: 4096)
            let n = start.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress!, $0.count) }
            fd.close()
            start = n > 0 ? Array(start[0..<n]) : []
            if start.count >= needle.count, (0...(start.count - needle.count)).contains(where: { i in
                start[(start.startIndex + i)..<(start.startIndex + i + needle.count)].elementsEqual(needle) }) {
                return path("logs", name)
            }
        }
        return nil
    }

    /// Removes the registrations (and stop requests) of workers that are gone: provably dead
    /// on this host (no such pid, or another start time), or on another host with a heartbeat
    /// older than `config.lease`. A registration is kept while any claim in processing/ names
    /// its worker (recover those claims first: then the registration goes). Logs are kept.
    /// Before a registration is removed, the counters it publishes are folded into
    /// `stats/totals.json` (`foldRegistration`; when that fails it is kept for the next run).
    /// A live worker on this host is never removed, even with a stale heartbeat (stopped
    /// with SIGSTOP, say); one on another host that comes back rewrites its registration.
    /// - Returns: the workers whose registration was removed.
    public func removeDeadRegistrations(config: Config, now: Timestamp = .now()) -> [ProcessTag] {
        var removed: [ProcessTag] = []
        for w in workers() {
            guard deathReason(of: w.id, config: config, now: now) != nil, claims(of: w.id).isEmpty else { continue }
            guard foldRegistration(of: w.id, now: now) else { continue }  // its counters first (stats/totals.json)
            if (try? FileSystem.unlinkIfExists(registrationPath(w.id))) == true { removed.append(w.id) }
            _ = try? FileSystem.unlinkIfExists(stopRequestPath(w.id))
        }
        if !removed.isEmpty { _ = try? FileSystem.syncDirectory(path("workers")) }
        return removed
    }

    /// Writes the registration (durably; it must exist before the worker claims anything).
    /// Rewritten at each heartbeat with fresh `stats`; its mtime is the heartbeat.
    public func register(_ worker: ProcessTag, count: Int, background: Bool, logPath: String?, startedAt: Timestamp,
                         stats: [String: JSONValue] = [:], lease: Double? = nil, durable: Bool = true) throws(SystemError) {
        var o: [String: JSONValue] = stats
        if let lease { o["lease"] = .double(lease) }
        o["id"] = .string(worker.rawValue)
        o["host"] = .string(ProcessIdentity.hostName())
        o["pid"] = .int(Int64(worker.pid))
        o["start_time"] = .int(Int64(worker.startTime))
        o["count"] = .int(Int64(count))
        o["started_at"] = .string(startedAt.iso8601)
        o["background"] = .bool(background)
        if let logPath { o["log"] = .string(logPath) }
        let tmp = tmpName("worker")
        try FileSystem.writeNewFile(tmp, JSONCoding.encode(.object(o), pretty: true) + [0x0a], sync: durable)
        try FileSystem.rename(tmp, registrationPath(worker))
        if durable { try FileSystem.syncDirectory(path("workers")) }
    }

    /// The lease (seconds) `worker` announced in its registration: it renews its heartbeat well
    /// within it. Nil when the registration is missing, unreadable or names none.
    public func announcedLease(of worker: ProcessTag) -> Double? {
        guard let bytes = try? FileSystem.readFile(registrationPath(worker), limit: 65536),
              case .object(let o)? = try? JSONCoding.decode(bytes) else { return nil }
        return o["lease"]?.doubleValue
    }

    /// Removes the registration and any stop request.
    public func deregister(_ worker: ProcessTag) {
        _ = try? FileSystem.unlinkIfExists(registrationPath(worker))
        _ = try? FileSystem.unlinkIfExists(stopRequestPath(worker))
    }

    /// All registered workers.
    public func workers() -> [WorkerRecord] {
        guard let names = try? DirectoryStream.names(path("workers")) else { return [] }
        var result: [WorkerRecord] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            guard let tag = ProcessTag(name.dropLast(5)),
                  let st = try? FileStatus.of(path("workers", name)),
                  let bytes = try? FileSystem.readFile(path("workers", name), limit: 65536),
                  case .object(let o)? = try? JSONCoding.decode(bytes) else { continue }
            result.append(WorkerRecord(
                id: tag,
                count: Int(o["count"]?.intValue ?? 1),
                startedAt: o["started_at"]?.stringValue.flatMap { Timestamp(iso8601: $0) } ?? Timestamp(micros: 0),
                background: o["background"] == .bool(true),
                logPath: o["log"]?.stringValue,
                heartbeat: Timestamp(micros: st.modifiedNanos / 1000),
                stopRequested: (try? FileStatus.of(stopRequestPath(tag))) != nil,
                finished: (Int(o["finished_1m"]?.intValue ?? 0), Int(o["finished_5m"]?.intValue ?? 0), Int(o["finished_15m"]?.intValue ?? 0))))
        }
        return result
    }

    /// The claims a worker holds (its files in processing/).
    public func claims(of worker: ProcessTag) -> [JobID] {
        let prefix = worker.rawValue + "."
        return ((try? DirectoryStream.names(directory(.processing))) ?? [])
            .filter { $0.hasPrefix(prefix) }
            .compactMap { JobFileName.parseProcessing($0)?.id }
            .sorted()
    }
}
