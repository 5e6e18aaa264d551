import QueueCore

/// Draws a core `ProgressReporter`'s updates as one line on standard error, rewritten in place
/// with `\r`, only when standard error is a terminal; `finish` clears it and prints the summary
/// line (always, terminal or not).
final class ProgressLine {
    private let ctx: Context
    private let label: String
    private let start = ProgressReporter.start()
    /// The reporter to hand to the core; nil when standard error is not a terminal (nothing drawn).
    private(set) var reporter: ProgressReporter?

    init(_ ctx: Context, label: String) {
        self.ctx = ctx
        self.label = label
        if ctx.err.stream.isTerminal {
            let err = ctx.err
            reporter = ProgressReporter { u in
                var text = "\(label): \(u.phase) \(u.done)"
                if let t = u.total, t > 0 { text += "/\(t) (\(u.done * 100 / t)%)" }
                err.write("\r\u{1B}[K" + text)
                err.flush()
            }
        }
    }

    /// Seconds since the line was made.
    var elapsed: Double { ProgressReporter.seconds(since: start) }

    /// Clears the progress line (if drawn) and prints `summary` on standard error.
    func finish(_ summary: String?) {
        if reporter?.rendered == true { ctx.err.write("\r\u{1B}[K") }
        if let summary { ctx.err.line(summary) }
        ctx.err.flush()
    }

    /// `1.9 s` style duration for summaries.
    var took: String { Human.duration(elapsed) }
}
