/// "Did you mean ...?" for a mistyped command, subcommand or option: the known word closest by
/// edit distance (optimal string alignment: insert, delete, substitute, swap two neighbours).
enum Suggestion {
    /// The closest of `candidates` to `word`, when close enough to be a typo: at most 2 edits,
    /// and fewer than half the word's length. Nil when nothing is close (or `word` is empty).
    static func closest(to word: String, in candidates: [String]) -> String? {
        let w = Array(word)
        guard !w.isEmpty else { return nil }
        var best: (String, Int)?
        for c in candidates where c != word {
            let d = distance(w, Array(c))
            if d <= 2, d * 2 < max(w.count, c.count), best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    /// `; did you mean 'X'?` or the empty string.
    static func hint(_ word: String, _ candidates: [String], prefix: String = "") -> String {
        closest(to: word, in: candidates).map { "; did you mean '\(prefix)\($0)'?" } ?? ""
    }

    /// Optimal string alignment distance.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }
}
