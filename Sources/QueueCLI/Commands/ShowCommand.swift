import QueueCore

/// `queuectl show ID`: the job's JSON file; without `--json` its attempt history is shown as a
/// table after it instead of as the `history` field.
struct ShowCommand: Command {
    static let name = "show"
    static let abstract = """
        Print a job's JSON (its file in the spool, else its line in archive/), then its attempt history as a table.
          --json   only the JSON, with the history as its field 'history'
        """
    static let usage = "ID [--json]"
    static let summary = "Print a job's JSON and its attempt history"
    static let options: [OptionSpec] = [.flag("--json", help: "only the JSON, with the history as its field 'history'")]
    static let arguments: ValueKind = .jobID
    static let examples = ["show job1", "show job1 --json"]
    var id: JobID
    var json: Bool

    init(_ args: inout Arguments) throws {
        json = try args.flag("--json")
        id = try args.jobID()
    }

    func run(_ ctx: Context) throws -> Int32 {
        let loaded = try find(ctx.spool)
        if json {
            ctx.out.bytes(loaded.encoded())
            return ExitCode.success
        }
        var job = loaded
        let history = job.history
        let dropped = job.historyDropped
        job.extra["history"] = nil
        job.extra["history_dropped"] = nil
        ctx.out.bytes(job.encoded())
        ctx.out.line("")
        if history.isEmpty && dropped == 0 {
            ctx.out.line("history: no attempts yet")
        } else {
            ctx.out.line("history: \(history.count) attempt\(history.count == 1 ? "" : "s")"
                + (dropped > 0 ? " (\(dropped) older not kept)" : ""))
            for line in HistoryTable.lines(history) { ctx.out.line(line) }
        }
        return ExitCode.success
    }

    /// The job's file, or when it is in no state directory its line in archive/ (a scan of the
    /// day files, newest first).
    private func find(_ spool: Spool) throws(QueueError) -> Job {
        do {
            return try spool.load(id).job
        } catch {
            if case .notFound = error, let archived = spool.findArchived(id) { return archived }
            throw error
        }
    }
}

/// The attempt history as an aligned table: one row per attempt, then its output lines indented.
enum HistoryTable {
    static func lines(_ history: [AttemptRecord]) -> [String] {
        var rows = [["#", "STARTED", "DURATION", "OUTCOME", "RESULT", "HOST", "PID", "WORKER"]]
        var outputs: [[Substring]] = []
        for r in history {
            var result = r.exitCode.map { "exit \($0)" } ?? r.signal.map { "signal \($0)" } ?? "-"
            if r.timedOut { result += ", timed out" }
            rows.append([String(r.attempt), r.startedAt?.iso8601 ?? "-",
                         r.durationSeconds.map { duration($0) } ?? "-",
                         r.outcome, result, r.host ?? "-", r.pid.map(String.init) ?? "-", r.worker ?? "-"])
            var out = r.output.isEmpty ? [] : r.output.split(separator: "\n", omittingEmptySubsequences: false)
            if r.outcome == "interrupted", let e = r.error { out.insert(Substring(e), at: 0) }
            outputs.append(out)
        }
        func duration(_ s: Double) -> String {
            let ms = Int((s * 1000).rounded())
            return ms < 1000 ? "\(ms) ms" : "\(ms / 1000).\(String(repeating: "0", count: 3 - String(ms % 1000).count))\(ms % 1000) s"
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func render(_ row: [String]) -> String {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 2)
            }
            return line
        }
        var lines = [render(rows[0])]
        for (i, row) in rows.dropFirst().enumerated() {
            lines.append(render(row))
            for o in outputs[i] { lines.append("    | " + JobID.escapingControls(String(o))) }
        }
        return lines
    }

}
