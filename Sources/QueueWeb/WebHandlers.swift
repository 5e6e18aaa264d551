import QueueCore

/// The routes that take input: listing, enqueue, bulk DLQ actions, the log.
extension WebAPI {
    func statusJSON() throws -> JSONValue {
        let r = try report()
        var counts: [String: JSONValue] = [:]
        for s in JobState.allCases { counts[s.rawValue] = .int(Int64(r.counts[s] ?? 0)) }
        return .object([
            "spool": .string(r.spool), "counts": .object(counts), "paused": .bool(r.paused),
            "oldest_pending_age_seconds": r.pendingShape.oldestAge.map { .double(($0 * 1000).rounded() / 1000) } ?? .null,
            "pending_not_yet_due": .int(Int64(r.pendingShape.notYetDue)),
            "finished_last_1m": .int(Int64(r.finished.oneMinute)), "finished_last_5m": .int(Int64(r.finished.fiveMinutes)),
            "finished_last_15m": .int(Int64(r.finished.fifteenMinutes)),
            "workers": .array(r.workers.map(WebJSON.worker)),
            "read_only": .bool(security.readOnly),
        ])
    }

    /// `GET /api/jobs?state=&limit=&cursor=&q=`: one page of one state (default pending). The
    /// cursor is the `next` of the previous page.
    func listJobs(_ query: [String: String]) throws -> HTTPResponse {
        let stateName = query["state"] ?? "pending"
        guard let state = JobState(rawValue: stateName) else {
            throw HTTPError(400, "unknown state '\(stateName)' (one of \(JobState.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var limit = 50
        if let raw = query["limit"] {
            guard let n = Int(raw), n >= 1, n <= WebAPI.maxLimit else { throw HTTPError(400, "limit must be 1...\(WebAPI.maxLimit)") }
            limit = n
        }
        let cursor = query["cursor"].flatMap { $0.isEmpty ? nil : $0 }
        let q = query["q"].flatMap { $0.isEmpty ? nil : $0 }
        let page = try spool.jobPage(state: state, after: cursor, limit: limit, search: q)
        return .json(.object(["state": .string(state.rawValue), "jobs": .array(page.jobs.map(\.jsonValue)),
                              "next": page.next.map { .string($0) } ?? .null]))
    }

    /// `POST /api/jobs`: the CLI's job JSON, normalised by the core as `enqueue` does
    /// (`unique_key` included). An extra
    /// `"delay": N` (time units from the server's now, as `enqueue --delay`) is taken out of the
    /// object and passed as that option; not together with `run_at`.
    func enqueue(_ body: [UInt8]) throws -> HTTPResponse {
        let now = Timestamp.now()
        let config = try spool.config()
        var overrides = EnqueueOverrides()
        var bytes = body
        if case .object(var o)? = try? JSONCoding.decode(body), let delay = o["delay"] {
            guard let units = delay.doubleValue else { throw HTTPError(400, "delay must be a number of time units") }
            guard o["run_at"] == nil else { throw HTTPError(400, "give delay or run_at, not both") }
            overrides.delay = units
            o["delay"] = nil
            bytes = JSONCoding.encode(.object(o), pretty: false)
        }
        let job = try Job.decode(bytes, now: now).normalisedForEnqueue(overrides, config: config, now: now, sequence: 0)
        let id = try spool.enqueueIdempotent([job])[0]
        // A unique_key held by a live job: nothing was added; 200 with that job.
        if id != job.id { return .json(try spool.load(id).job.jsonValue, status: 200) }
        return .json(job.jsonValue, status: 201)
    }

    /// `POST /api/dlq/retry|delete` with `{"ids": [...]}` or `{"all": true}` (at most
    /// `bulkLimit` dead jobs per request; `more` says whether some are left).
    func bulk(_ body: [UInt8], _ action: (JobID) throws(QueueError) -> Void) throws -> HTTPResponse {
        let value: JSONValue
        do { value = try JSONCoding.decode(body) } catch { throw HTTPError(400, "invalid JSON: \(error)") }
        guard case .object(let o) = value else { throw HTTPError(400, "expected an object with \"ids\" or \"all\"") }
        var ids: [JobID] = []
        var all = false
        if case .bool(true)? = o["all"] {
            all = true
            ids = try spool.firstNames(in: .dead, limit: WebAPI.bulkLimit + 1).compactMap { JobFileName.parsePlain($0) }
        } else if case .array(let list)? = o["ids"] {
            guard list.count <= WebAPI.bulkLimit else { throw HTTPError(400, "at most \(WebAPI.bulkLimit) ids per request") }
            for item in list {
                guard let raw = item.stringValue else { throw HTTPError(400, "ids must be strings") }
                ids.append(try JobID(raw))
            }
        } else {
            throw HTTPError(400, "expected {\"ids\": [...]} or {\"all\": true}")
        }
        let more = all && ids.count > WebAPI.bulkLimit
        if more { ids.removeLast() }
        var done: [JSONValue] = [], failed: [JSONValue] = []
        for id in ids {
            do throws(QueueError) {
                try action(id)
                done.append(.string(id.rawValue))
            } catch {
                failed.append(.object(["id": .string(id.rawValue), "error": .string(error.description)]))
            }
        }
        return .json(.object(["done": .array(done), "failed": .array(failed), "more": .bool(more)]))
    }

    static let bulkLimit = 1000

    /// `GET /api/jobs/ID/log?offset=N`: at most `logChunk` bytes from `offset`, and the next offset.
    func log(_ id: JobID, _ query: [String: String]) throws -> HTTPResponse {
        var offset: Int64 = 0
        if let raw = query["offset"] {
            guard let n = Int64(raw), n >= 0 else { throw HTTPError(400, "offset must be a non-negative integer") }
            offset = n
        }
        guard try spool.locate(id) != nil else { throw QueueError.notFound(id.rawValue) }
        var bytes = try JobLog(spool: spool, id: id).read(from: offset)
        if bytes.count > WebAPI.logChunk { bytes = Array(bytes.prefix(WebAPI.logChunk)) }
        return .json(.object(["id": .string(id.rawValue), "offset": .int(offset),
                              "next": .int(offset + Int64(bytes.count)), "text": .string(String(decoding: bytes, as: UTF8.self))]))
    }
}

/// JSON shapes shared by routes.
enum WebJSON {
    static func worker(_ w: WorkerStatus) -> JSONValue {
        .object(["id": .string(w.record.id.rawValue), "host": .string(w.record.id.host), "pid": .int(Int64(w.record.id.pid)),
                 "state": .string(w.state.rawValue), "slots": .int(Int64(w.record.count)),
                 "started_at": .string(w.record.startedAt.iso8601), "heartbeat_at": .string(w.record.heartbeat.iso8601),
                 "running": .array(w.running.map { .string($0.rawValue) })])
    }
}
