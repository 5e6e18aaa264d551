import QueueCore

extension Arguments {
    /// The single required job id argument.
    mutating func jobID(_ what: String = "ID") throws -> JobID {
        guard let raw = try positional() else { throw .usage("missing job \(what)") }
        return try JobID(raw)
    }

    /// One or more job ids.
    mutating func jobIDs() throws -> [JobID] {
        var ids: [JobID] = []
        for raw in try rest() { ids.append(try JobID(raw)) }
        if ids.isEmpty { throw .usage("missing job ID") }
        return ids
    }

    /// `--state STATE`.
    mutating func stateOption() throws -> JobState? {
        guard let s = try option("--state") else { return nil }
        guard let st = JobState(rawValue: s) else {
            throw .usage("unknown state '\(s)' (one of: \(JobState.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return st
    }
}

/// Table and JSON rendering of jobs shared by list-like commands.
enum JobTable {
    static let header = "ID\tSTATE\tATTEMPTS\tPRIORITY\tRUN_AT\tCOMMAND"

    /// One row. ATTEMPTS is `made/allowed` for every job (allowed = 1 + its `max_retries`, or
    /// the config's when it sets none; `defaultMaxRetries` nil when the config is unreadable).
    static func row(_ job: Job, defaultMaxRetries: Int?) -> String {
        let maxRetries = (job.maxRetries ?? defaultMaxRetries).map { "/\($0 + 1)" } ?? ""
        var cmd = job.command.replacingAll("\n", with: "\\n")
        if cmd.count > 60 { cmd = String(cmd.prefix(57)) + "..." }
        return "\(job.id)\t\(job.state.rawValue)\t\(job.attempts)\(maxRetries)\t\(job.priority)\t\(job.runAt.iso8601)\t\(cmd)"
    }

    static func json(_ job: Job) -> JSONValue {
        job.jsonValue
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
