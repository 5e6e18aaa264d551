/// `--help` text, rendered from the commands' definitions (summary, usage, options, examples),
/// the same data as the man page and the completion scripts.
enum HelpText {
    /// `queuectl --help`: the global usage and the list of commands.
    static func global(_ commands: [any Command.Type]) -> String {
        var s = """
        usage: queuectl [--spool DIR] COMMAND [OPTIONS]

        A background job queue whose only storage is a directory tree (the spool).
        The spool is --spool DIR, else $QUEUECTL_SPOOL, else $XDG_STATE_HOME/queuectl
        (~/.local/state/queuectl). Every command takes --help; `queuectl help COMMAND` too.

        commands:

        """
        let visible = commands.filter { !$0.hidden }
        let width = (visible.map { $0.name.count }.max() ?? 8) + 2
        for c in visible { s += "  \(c.name.padding(width))\(c.summary)\n" }
        s += "\noptions:\n" + optionLines(GlobalOptions.all)
        s += "\nexit codes: 0 success, 1 the operation failed, 2 bad usage or invalid input, 124 wait timed out\n"
        s += "see also: man queuectl (queuectl man), queuectl completion bash|zsh|fish\n"
        return s
    }

    /// `queuectl PATH --help` for one command or command group.
    static func command(_ type: any Command.Type, path: String) -> String {
        var s = "queuectl \(path) - \(type.summary)\n\n"
        s += "usage: queuectl [--spool DIR] \(path)\(type.usage.isEmpty ? "" : " " + type.usage)\n"
        let description = type.abstract.trimmingSpaces
        if !description.isEmpty && !description.sameSentence(as: type.summary) { s += "\n\(description)\n" }
        let subs = type.subcommands.filter { !$0.hidden }
        if !subs.isEmpty {
            s += "\ncommands:\n"
            let width = (subs.map { $0.name.count }.max() ?? 8) + 2
            for c in subs { s += "  \(c.name.padding(width))\(c.summary)\n" }
        }
        s += "\noptions:\n" + optionLines(type.options + [OptionSpec.help])
        let examples = type.examples
        if !examples.isEmpty {
            s += "\n" + (examples.count == 1 ? "example:" : "examples:") + "\n"
            for e in examples { s += "  queuectl \(e)\n" }
        }
        return s
    }

    /// One line per option: `  --name VALUE   help (default: D)`.
    static func optionLines(_ options: [OptionSpec]) -> String {
        let width = min(24, (options.map(\.synopsis.count).max() ?? 10) + 2)
        var s = ""
        for o in options {
            let help = o.help + (o.defaultValue.map { " (default: \($0))" } ?? "")
            let syn = o.synopsis
            if syn.count + 2 > width + 2 {
                s += "  \(syn)\n  \(String(repeating: " ", count: width))\(help)\n"
            } else {
                s += "  \(syn.padding(width))\(help)\n"
            }
        }
        return s
    }
}

extension String {
    /// Equal once a final period is dropped from each: a description that only repeats the summary.
    func sameSentence(as other: String) -> Bool {
        (hasSuffix(".") ? String(dropLast()) : self) == (other.hasSuffix(".") ? String(other.dropLast()) : other)
    }

    /// Without leading and trailing spaces and line breaks.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\n" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\n" { s.removeLast() }
        return String(s)
    }
}
