/// Reading and writing job JSON. Writing is deterministic (sorted keys, pretty-printed).
extension Job {
    /// Encodes the job as the bytes of its file, ending in a newline.
    public func encoded() -> [UInt8] {
        JSONCoding.encode(jsonValue, pretty: true) + [0x0a]
    }

    /// The job as the JSON object of its file (every known key, `null` for unset ones, plus
    /// `extra`): what clients render, without re-parsing `encoded()`.
    public var jsonValue: JSONValue {
        var o = extra
        o["id"] = .string(id.rawValue)
        o["command"] = .string(command)
        o["state"] = .string(state.rawValue)
        o["attempts"] = .int(Int64(attempts))
        o["max_retries"] = maxRetries.map { .int(Int64($0)) } ?? .null
        o["priority"] = .int(Int64(priority))
        o["created_at"] = .string(createdAt.iso8601)
        o["updated_at"] = .string(updatedAt.iso8601)
        o["run_at"] = .string(runAt.iso8601)
        o["timeout"] = timeout.map { $0 == $0.rounded() && abs($0) < 1e15 ? .int(Int64($0)) : .double($0) } ?? .null
        o["exit_code"] = exitCode.map { .int(Int64($0)) } ?? .null
        o["last_error"] = lastError.map { .string($0) } ?? .null
        o["started_at"] = startedAt.map { .string($0.iso8601) } ?? .null
        o["finished_at"] = finishedAt.map { .string($0.iso8601) } ?? .null
        o["worker"] = worker.map { .string($0) } ?? .null
        if !after.isEmpty { o["after"] = .array(after.map { .string($0.rawValue) }) }
        return .object(o)
    }

    /// Parses a job from JSON bytes.
    ///
    /// - Parameters:
    ///   - bytes: the file or argument.
    ///   - fallbackID: used when the object has no `id` (nil: generate one).
    ///   - now: timestamps missing from the object default to this.
    /// - Throws: `QueueError.invalidJob` for non-UTF-8, non-JSON, a non-object, a missing or
    ///   empty `command`, or any known field of the wrong type or out of range (`timeout` in
    ///   `0...TimeLimits.maxSeconds`; times within years 0000...9999);
    ///   `QueueError.invalidID` for a bad id.
    public static func decode(_ bytes: [UInt8], fallbackID: JobID? = nil, now: Timestamp = .now()) throws(QueueError) -> Job {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .invalidJob("job JSON is not valid UTF-8") }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw .invalidJob("invalid job JSON: \(error)") }
        guard case .object(let o) = value else { throw .invalidJob("job JSON must be an object") }
        return try Job(object: o, fallbackID: fallbackID, now: now)
    }

    init(object o: [String: JSONValue], fallbackID: JobID?, now: Timestamp) throws(QueueError) {
        func string(_ k: String) throws(QueueError) -> String? {
            guard let v = o[k], !v.isNull else { return nil }
            guard let s = v.stringValue else { throw .invalidJob("field '\(k)' must be a string") }
            return s
        }
        func int(_ k: String, _ range: ClosedRange<Int>) throws(QueueError) -> Int? {
            guard let v = o[k], !v.isNull else { return nil }
            guard let i = v.intValue, range.contains(Int(i)) else {
                throw .invalidJob("field '\(k)' must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return Int(i)
        }
        func time(_ k: String) throws(QueueError) -> Timestamp? {
            guard let s = try string(k) else { return nil }
            guard let t = Timestamp(iso8601: s) else { throw .invalidJob("field '\(k)' must be an ISO-8601 time with a zone in years 0000...9999 UTC, like 2026-11-24T07:15:00Z") }
            return t
        }
        let id: JobID
        if let raw = try string("id") { id = try JobID(raw) } else { id = fallbackID ?? JobID.generate(now: now) }
        guard let command = try string("command"), !command.isEmpty else {
            throw .invalidJob("field 'command' is required and must be a non-empty string")
        }
        guard !command.utf8.contains(0) else { throw .invalidJob("field 'command' contains a NUL byte") }
        self.init(id: id, command: command, now: now)
        if let s = try string("state") {
            guard let st = JobState(rawValue: s) else { throw .invalidJob("field 'state' has unknown value '\(s)'") }
            state = st
        }
        attempts = try int("attempts", 0...1_000_000) ?? 0
        maxRetries = try int("max_retries", 0...1_000_000)
        priority = try int("priority", Job.priorityRange) ?? 0
        createdAt = try time("created_at") ?? now
        updatedAt = try time("updated_at") ?? createdAt
        runAt = try time("run_at") ?? createdAt
        if let v = o["timeout"], !v.isNull {
            guard let d = v.doubleValue, TimeLimits.isValidDuration(d) else {
                throw .invalidJob("field 'timeout' must be a number of time units in 0...\(Config.format(TimeLimits.maxSeconds)) (0 = no timeout)")
            }
            timeout = d
        }
        exitCode = try int("exit_code", -1_000_000...1_000_000)
        lastError = try string("last_error")
        startedAt = try time("started_at")
        finishedAt = try time("finished_at")
        worker = try string("worker")
        if let v = o["after"], !v.isNull {
            guard case .array(let items) = v else { throw .invalidJob("field 'after' must be an array of job ids") }
            var deps: [JobID] = []
            for item in items {
                guard let s = item.stringValue else { throw .invalidJob("field 'after' must be an array of job ids") }
                deps.append(try JobID(s))
            }
            after = deps
        }
        try Job.checkGroupField(o["group"])
        extra = o.filter { !Job.knownKeys.contains($0.key) }
    }
}

/// The JSON reading and writing used for every spool file (see `JSONParser`, `JSONWriter`).
public enum JSONCoding {
    /// Sorted keys, `/` unescaped; `pretty` indents by two spaces (the layout of spool files).
    public static func encode(_ value: JSONValue, pretty: Bool) -> [UInt8] {
        JSONWriter.write(value, pretty: pretty)
    }

    /// Parses one strict JSON text.
    /// - Throws: a failure whose description names the problem and its byte offset.
    public static func decode(_ bytes: [UInt8]) throws -> JSONValue {
        try JSONParser.parse(bytes)
    }
}
