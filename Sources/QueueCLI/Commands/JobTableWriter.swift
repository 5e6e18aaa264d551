import QueueCore

/// Writes a job table for `list`, `dlq list` and `list --archived`.
/// - Not a terminal (pipes, files, scripts): tab-separated, header first, one row per job as
///   it is read, RUN_AT in exact ISO-8601 — unchanged so scripts keep working.
/// - A terminal: aligned columns, states in colour (see `Style`), RUN_AT as a relative age
///   (`3m ago`, `in 2h`); rows are buffered and aligned in blocks of `block` rows.
final class JobTableWriter {
    private let ctx: Context
    private let aligned: Bool
    private let style: Style
    private let defaultMaxRetries: Int?
    private let now = Timestamp.now()
    private var table = AlignedTable()
    private var states: [JobState?] = []
    private var wroteBlock = false
    static let block = 1000

    init(_ ctx: Context, defaultMaxRetries: Int?) {
        self.ctx = ctx
        self.defaultMaxRetries = defaultMaxRetries
        aligned = ctx.out.stream.isTerminal
        style = Style.of(ctx)
        if aligned { startBlock() } else { ctx.out.line(JobTable.header) }
    }

    private func startBlock() {
        table = AlignedTable(); states = [nil]
        table.add(JobTable.header.split(separator: "\t").map(String.init))
    }

    func add(_ job: Job) {
        guard aligned else { ctx.out.line(JobTable.row(job, defaultMaxRetries: defaultMaxRetries)); return }
        var cells = JobTable.row(job, defaultMaxRetries: defaultMaxRetries).split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        if cells.count > 4 { cells[4] = Human.age(job.runAt, now: now) }
        append(cells, job.state)
    }

    /// A file that could not be read as a job.
    func addUnreadable(_ name: String, _ state: JobState) {
        let cells = [name, state.rawValue, "?", "?", "?", "(unreadable; see queuectl fsck)"]
        if aligned { append(cells, state) } else { ctx.out.line(cells.joined(separator: "\t")) }
    }

    private func append(_ cells: [String], _ state: JobState) {
        table.add(cells); states.append(state)
        if table.rows.count > Self.block { finish(); startBlock() }
    }

    /// Writes buffered rows (a terminal only). Call once at the end.
    func finish() {
        guard aligned, table.rows.count > 1 || !wroteBlock else { return }
        wroteBlock = true
        let st = states, style = self.style
        for l in table.lines(paint: { col, row, text in
            if row == 0 { return style.bold(text) }
            if col == 1, let s = st[row] { return style.state(s, text) }
            return text
        }) { ctx.out.line(l) }
        table = AlignedTable(); states = []
    }
}
