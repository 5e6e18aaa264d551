import QueueCore

/// The words after a command name, consumed by the command's initializer: options first
/// (`--name VALUE` or `--name=VALUE`), then positionals. `--` ends options.
public struct Arguments {
    /// Words before `--`: options and positionals.
    private var head: [String]
    /// Words after `--`: positionals only.
    private var tail: [String]

    public init(_ words: [String]) {
        if let i = words.firstIndex(of: "--") {
            head = Array(words[..<i]); tail = Array(words[(i + 1)...])
        } else {
            head = words; tail = []
        }
    }

    /// True when `--help` or `-h` appears before `--`.
    public var wantsHelp: Bool { head.contains { $0 == "--help" || $0 == "-h" } }

    /// Removes a boolean flag; true if it was present.
    public mutating func flag(_ names: String...) throws -> Bool {
        var found = false
        var i = 0
        while i < head.count {
            let w = head[i]
            if names.contains(w) { head.remove(at: i); found = true; continue }
            if w.hasPrefix("--"), let eq = w.firstIndex(of: "="), names.contains(String(w[..<eq])) {
                throw .usage("\(w[..<eq]) takes no value")
            }
            i += 1
        }
        return found
    }

    /// Removes an option with a value; given twice is an error.
    public mutating func option(_ names: String...) throws -> String? {
        var value: String?
        var i = 0
        while i < head.count {
            let w = head[i]
            var taken: String?
            if names.contains(w) {
                guard i + 1 < head.count else { throw .usage("\(w) needs a value") }
                taken = head[i + 1]
                head.removeSubrange(i...(i + 1))
            } else if w.hasPrefix("--"), let eq = w.firstIndex(of: "="), names.contains(String(w[..<eq])) {
                taken = String(w[w.index(after: eq)...])
                head.remove(at: i)
            } else {
                i += 1
                continue
            }
            if value != nil { throw .usage("\(names[0]) given more than once") }
            value = taken
        }
        return value
    }

    /// Removes the first occurrence of a repeatable option and returns its value.
    public mutating func firstOption(_ name: String) throws -> String? {
        for (i, w) in head.enumerated() {
            if w == name {
                guard i + 1 < head.count else { throw .usage("\(w) needs a value") }
                let v = head[i + 1]
                head.removeSubrange(i...(i + 1))
                return v
            }
            if w.hasPrefix(name + "=") {
                head.remove(at: i)
                return String(w.dropFirst(name.count + 1))
            }
        }
        return nil
    }

    /// An integer option within `range`.
    public mutating func intOption(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let s = try option(name) else { return nil }
        guard let v = Int(s), range.contains(v) else {
            throw .usage("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), not '\(s)'")
        }
        return v
    }

    /// A number option (seconds or time units) in `0...TimeLimits.maxSeconds` (10 years).
    public mutating func secondsOption(_ name: String) throws -> Double? {
        guard let s = try option(name) else { return nil }
        guard let v = Double(s), TimeLimits.isValidDuration(v) else {
            throw .usage("\(name) must be a number in 0...\(Int(TimeLimits.maxSeconds)) (at most 10 years), not '\(s)'")
        }
        return v
    }

    /// Removes and returns the next positional word. Call after consuming every option:
    /// a leftover word starting with `-` (other than `-` itself) is an unknown option.
    public mutating func positional() throws -> String? {
        if let w = head.first {
            if w.hasPrefix("-") && w != "-" && Double(w) == nil { throw .unknownOption(w) }
            head.removeFirst()
            return w
        }
        return tail.isEmpty ? nil : tail.removeFirst()
    }

    /// All remaining positional words.
    public mutating func rest() throws -> [String] {
        var out: [String] = []
        while let w = try positional() { out.append(w) }
        return out
    }

    /// Fails on anything not consumed.
    public func finish() throws {
        if let w = head.first ?? tail.first {
            throw w.hasPrefix("-") && w != "-" ? .unknownOption(w) : .usage("unexpected argument '\(w)'")
        }
    }
}
