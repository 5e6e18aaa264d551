import QueueCore

/// Colour for one output stream. Enabled only when the stream is a terminal, `NO_COLOR` is
/// unset or empty (https://no-color.org) and `--no-color` was not given; otherwise every
/// method returns its text unchanged, so piped output never carries escape sequences.
struct Style {
    let enabled: Bool

    /// The style for standard output (`err: false`) or standard error (`err: true`).
    static func of(_ ctx: Context, err: Bool = false) -> Style {
        let stream: StandardStream = err ? ctx.err.stream : ctx.out.stream
        return Style(enabled: colourAllowed(ctx) && stream.isTerminal)
    }

    /// `--no-color` and `NO_COLOR` (any non-empty value) turn colour off.
    static func colourAllowed(_ ctx: Context) -> Bool {
        !ctx.noColor && (ctx.environment["NO_COLOR"] ?? "").isEmpty
    }

    func paint(_ text: String, _ sgr: String) -> String { enabled ? "\u{1B}[\(sgr)m\(text)\u{1B}[0m" : text }
    func red(_ text: String) -> String { paint(text, "31") }
    func bold(_ text: String) -> String { paint(text, "1") }
    func dim(_ text: String) -> String { paint(text, "2") }

    /// A state name in its colour: green completed, red dead, yellow failed, cyan processing,
    /// magenta held/waiting, default pending.
    func state(_ s: JobState, _ text: String? = nil) -> String {
        let t = text ?? s.rawValue
        switch s {
        case .completed: return paint(t, "32")
        case .dead: return paint(t, "31")
        case .failed: return paint(t, "33")
        case .processing: return paint(t, "36")
        case .held, .waiting: return paint(t, "35")
        case .pending: return t
        }
    }
}

/// Human-friendly durations and ages for tables (JSON keeps exact ISO-8601 times).
enum Human {
    /// `850 ms`, `1.2 s`, `42 s`, `3m 05s`, `2h 10m`, `3d 4h`.
    static func duration(_ seconds: Double) -> String {
        let s = max(0, seconds)
        if s < 1 { return "\(Int(s * 1000)) ms" }
        if s < 10 { return "\(Double(Int(s * 10)) / 10) s" }
        if s < 60 { return "\(Int(s)) s" }
        let t = Int(s)
        if t < 3600 { return "\(t / 60)m \(pad2(t % 60))s" }
        if t < 86400 { return "\(t / 3600)h \(pad2(t / 60 % 60))m" }
        return "\(t / 86400)d \(t / 3600 % 24)h"
    }

    /// `3m ago`, `just now`, `in 2h` relative to `now`.
    static func age(_ t: Timestamp, now: Timestamp) -> String {
        let d = now.secondsSinceEpoch - t.secondsSinceEpoch
        if abs(d) < 1 { return "just now" }
        let unit = compact(abs(d))
        return d > 0 ? "\(unit) ago" : "in \(unit)"
    }

    /// `12s`, `3m`, `5h`, `2d`.
    static func compact(_ s: Double) -> String {
        if s < 60 { return "\(Int(s))s" }
        if s < 3600 { return "\(Int(s / 60))m" }
        if s < 86400 { return "\(Int(s / 3600))h" }
        return "\(Int(s / 86400))d"
    }

    private static func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// Left-aligned columns separated by two spaces; widths count characters (escape sequences
/// added by `Style` are excluded by passing plain cells and a painter).
struct AlignedTable {
    var rows: [[String]] = []

    mutating func add(_ cells: [String]) { rows.append(cells) }

    /// The rendered lines; `paint(column, row, text)` may colour a padded cell.
    func lines(paint: (Int, Int, String) -> String = { $2 }) -> [String] {
        var widths: [Int] = []
        for r in rows { for (i, c) in r.enumerated() { if i >= widths.count { widths.append(0) }; widths[i] = max(widths[i], c.count) } }
        return rows.enumerated().map { (ri, r) in
            r.enumerated().map { (i, c) in
                let padded = i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count)
                return paint(i, ri, padded)
            }.joined(separator: "  ")
        }
    }
}
