/// Workers register in `workers/<worker-id>.json`: id, host, pid, start time, concurrency and
/// the time it started. The file's mtime is the worker's heartbeat, renewed by `touch` while
/// it runs; it is removed when the worker exits cleanly. `workers/<worker-id>.stop` asks a
/// worker on any host to stop.
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
