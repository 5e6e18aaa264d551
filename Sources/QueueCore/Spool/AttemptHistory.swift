#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// One attempt of a job, as kept in its `history` field (see spool-layout.md, "Attempt history").
public struct AttemptRecord: Sendable, Equatable {
    /// The attempt's number (`attempts` when it started; 1 for the first since the last reset).
    public var attempt: Int
    /// The host part of the worker id (escaped, as in the worker id).
    public var host: String?
    public var worker: String?
    public var pid: Int?
    public var startedAt: Timestamp?
    /// Nil when the attempt was interrupted (its worker died; the end is not known).
    public var endedAt: Timestamp?
    public var durationSeconds: Double?
    public var exitCode: Int?
    /// The signal that ended the command, when it did not exit.
    public var signal: Int?
    public var timedOut: Bool
    /// `completed`, `failed`, `dead` (the state the attempt led to) or `interrupted`.
    public var outcome: String
    /// `last_error` of the attempt; nil for a success.
    public var error: String?
    /// The last lines of the attempt's output (at most `AttemptRecord.outputLines` lines and
    /// `outputBytes` bytes, read from the tail of `logs/<id>.log`); empty when none.
    public var output: String

    public static let outputLines = 10
    public static let outputBytes = 2048

    public init(attempt: Int, worker: ProcessTag?, startedAt: Timestamp?, endedAt: Timestamp?, durationSeconds: Double?,
                exitCode: Int?, signal: Int?, timedOut: Bool, outcome: String, error: String?, output: String) {
        self.attempt = attempt
        host = worker?.host
        self.worker = worker?.rawValue
        pid = worker.map { Int($0.pid) }
        self.startedAt = startedAt; self.endedAt = endedAt; self.durationSeconds = durationSeconds
        self.exitCode = exitCode; self.signal = signal; self.timedOut = timedOut
        self.outcome = outcome; self.error = error; self.output = output
    }

    /// The entry recovery writes for an attempt whose worker died (`job` as recovery rewrote
    /// it: `last_error` says why). Its end is not known (`ended_at` null) nor its output.
    public static func interrupted(_ job: Job) -> AttemptRecord {
        AttemptRecord(attempt: job.attempts, worker: job.worker.flatMap { ProcessTag($0) }, startedAt: job.startedAt,
                      endedAt: nil, durationSeconds: nil, exitCode: nil, signal: nil, timedOut: false,
                      outcome: "interrupted", error: job.lastError, output: "")
    }

    public var jsonValue: JSONValue {
        func opt(_ v: Int?) -> JSONValue { v.map { .int(Int64($0)) } ?? .null }
        return .object([
            "attempt": .int(Int64(attempt)),
            "host": host.map { .string($0) } ?? .null,
            "worker": worker.map { .string($0) } ?? .null,
            "pid": opt(pid),
            "started_at": startedAt.map { .string($0.iso8601) } ?? .null,
            "ended_at": endedAt.map { .string($0.iso8601) } ?? .null,
            "duration": durationSeconds.map { .double(($0 * 1_000_000).rounded() / 1_000_000) } ?? .null,
            "exit_code": opt(exitCode),
            "signal": opt(signal),
            "timed_out": .bool(timedOut),
            "outcome": .string(outcome),
            "error": error.map { .string($0) } ?? .null,
            "output": .string(output),
        ])
    }

    /// Parses an entry; nil for anything that is not an object with an integer `attempt`
    /// (a hand-edited or foreign `history` is skipped entry by entry, never fatal).
    public init?(json: JSONValue) {
        guard case .object(let o) = json, let a = o["attempt"]?.intValue else { return nil }
        func int(_ k: String) -> Int? { o[k]?.intValue.map { Int(clamping: $0) } }
        func time(_ k: String) -> Timestamp? { o[k]?.stringValue.flatMap { Timestamp(iso8601: $0) } }
        attempt = Int(clamping: a)
        host = o["host"]?.stringValue
        worker = o["worker"]?.stringValue
        pid = int("pid")
        startedAt = time("started_at")
        endedAt = time("ended_at")
        durationSeconds = o["duration"]?.doubleValue
        exitCode = int("exit_code")
        signal = int("signal")
        timedOut = o["timed_out"] == .bool(true)
        outcome = o["outcome"]?.stringValue ?? "?"
        error = o["error"]?.stringValue
        output = o["output"]?.stringValue ?? ""
    }
}

extension Job {
    /// The most attempts `history` keeps; older ones are dropped and counted in `history_dropped`.
    public static let historyLimit = 20

    /// The job's attempts, oldest first (field `history`; entries that do not parse are skipped).
    public var history: [AttemptRecord] {
        guard case .array(let items)? = extra["history"] else { return [] }
        return items.compactMap { AttemptRecord(json: $0) }
    }

    /// How many older attempts were dropped from `history` (field `history_dropped`).
    public var historyDropped: Int { extra["history_dropped"]?.intValue.map { Int(clamping: $0) } ?? 0 }

    /// Appends an attempt, keeping the last `historyLimit` and counting the ones dropped.
    public mutating func appendAttempt(_ record: AttemptRecord) {
        var items: [JSONValue] = []
        if case .array(let old)? = extra["history"] { items = old.filter { AttemptRecord(json: $0) != nil } }
        items.append(record.jsonValue)
        let drop = max(0, items.count - Job.historyLimit)
        if drop > 0 {
            items.removeFirst(drop)
            extra["history_dropped"] = .int(Int64(historyDropped + drop))
        }
        extra["history"] = .array(items)
    }
}

extension Spool {
    /// The size of `logs/<id>.log` through an open descriptor (where an attempt's output starts).
    func logSize(_ fd: FileDescriptor) -> Int64 { (try? fd.status().size) ?? 0 }

    /// The last lines of what `logs/<id>.log` holds after byte `from` (the attempt's own output):
    /// at most `AttemptRecord.outputLines` lines from the last `AttemptRecord.outputBytes` bytes,
    /// invalid UTF-8 replaced, without the final newline. Empty when there is none or the log
    /// cannot be read. Costs one open, fstat, pread and close (and an lstat when there is output).
    public func outputTail(_ id: JobID, from: Int64) -> String { attemptOutput(id, from: from).tail }

    /// `outputTail` and the log's size when it was read (nil: no log, or it cannot be read).
    func attemptOutput(_ id: JobID, from: Int64) -> (tail: String, logSize: Int64?) {
        guard let fd = try? FileDescriptor.open(logPath(id), flags: O_RDONLY | O_NOFOLLOW) else { return ("", nil) }
        defer { fd.close() }
        guard let size = try? fd.status().size else { return ("", nil) }
        guard size > from else { return ("", size) }
        let start = max(from, size - Int64(AttemptRecord.outputBytes))
        guard var bytes = try? fd.read(at: start, count: Int(size - start)), logStillNames(id, fd) else { return ("", size) }
        if start > from, let nl = bytes.firstIndex(of: 0x0a), nl < bytes.count - 1 { bytes.removeSubrange(...nl) }  // a cut first line
        if bytes.last == 0x0a { bytes.removeLast() }
        var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false)
        if lines.count > AttemptRecord.outputLines { lines = Array(lines.suffix(AttemptRecord.outputLines)) }
        return (String(decoding: Array(lines.joined(separator: [0x0a])), as: UTF8.self), size)
    }
}
