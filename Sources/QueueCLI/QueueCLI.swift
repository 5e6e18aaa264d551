import QueueCore

/// The `queuectl` command line. `main()` is the process entry; `run` is callable from tests.
public enum QueueCLI {
    static var commands: [any Command.Type] { [
        EnqueueCommand.self, WorkerCommand.self, StatusCommand.self, ListCommand.self, ShowCommand.self,
        LogsCommand.self, DLQCommand.self, DeleteCommand.self, ConfigCommand.self, RecoverCommand.self,
        FsckCommand.self, WaitCommand.self, HoldCommand.self, ReleaseCommand.self, RetryCommand.self,
        PauseCommand.self, ResumeCommand.self, PurgeCommand.self, WebCommand.self, WhyCommand.self, EventsCommand.self,
        ArchiveCommand.self, CompletionCommand.self, ManCommand.self, VersionCommand.self,
    ] }

    /// The process entry point: checks the raw argv is UTF-8 (Swift's `CommandLine.arguments`
    /// silently repairs it), runs, flushes and exits.
    public static func main() -> Never {
        let argv: [String]
        switch ClientProcess.arguments() {
        case .success(let a): argv = a
        case .failure(let bad):
            let err = Output(.error)
            err.line("queuectl: argument \(bad.index) is not valid UTF-8")
            err.flush()
            ClientProcess.exit(ExitCode.usage)
        }
        let env = ClientProcess.variables()
        let code = run(argv, environment: env, out: Output(.output), err: Output(.error), input: .input)
        ClientProcess.exit(code)
    }

    /// Runs one command line (without the program name) and returns the exit code.
    public static func run(_ argv: [String], environment: [String: String], out: Output, err: Output, input: StandardStream) -> Int32 {
        defer { out.flush(); err.flush() }
        var words = argv
        var spoolPath: String?
        var noColor = false
        // Global options come before the command.
        while let first = words.first, first.hasPrefix("-") {
            if first == "--spool" {
                guard words.count > 1 else { return usageError(err, "--spool needs a directory") }
                spoolPath = words[1]; words.removeFirst(2)
            } else if first.hasPrefix("--spool=") {
                spoolPath = String(first.dropFirst(8)); words.removeFirst()
            } else if first == "--no-color" {
                noColor = true; words.removeFirst()
            } else if first == "--help" || first == "-h" {
                out.write(help()); return ExitCode.success
            } else if first == "--version" {
                VersionCommand.render(VersionInfo.current, json: false, to: out); return ExitCode.success
            } else {
                let word = first.split(separator: "=", maxSplits: 1).first.map(String.init) ?? first
                return usageError(err, "unknown option '\(first)'" + Suggestion.hint(word, GlobalOptions.all.flatMap(\.names)))
            }
        }
        guard let name = words.first else { err.write(help()); return ExitCode.usage }
        if name == "help" { return helpCommand(Array(words.dropFirst()), out: out, err: err) }
        guard let type = commands.first(where: { $0.name == name }) else {
            let hint = Suggestion.hint(name, commands.filter { !$0.hidden }.map { $0.name })
            return usageError(err, "unknown command '\(name)'" + (hint.isEmpty ? "; run 'queuectl --help' for the list" : hint))
        }
        var args = Arguments(Array(words.dropFirst()))
        if spoolPath == nil, environment["QUEUECTL_SPOOL"] == "" {
            return usageError(err, "QUEUECTL_SPOOL is set but empty; unset it or give a directory")
        }
        let root = spoolPath ?? environment["QUEUECTL_SPOOL"] ?? defaultSpool(environment)
        if root.isEmpty || root.utf8.contains(0) { return usageError(err, "the spool path is empty") }
        var ctx = Context(spool: Spool(root: root), out: out, err: err, environment: environment, input: input)
        ctx.noColor = noColor
        return dispatch(type, &args, ctx, prefix: name)
    }

    static func dispatch(_ type: any Command.Type, _ args: inout Arguments, _ ctx: Context, prefix: String) -> Int32 {
        let subcommands = type.subcommands
        if !subcommands.isEmpty {
            let names = subcommands.map { $0.name }.joined(separator: ", ")
            var probe = args
            guard let sub = try? probe.positional(), !sub.hasPrefix("-") else {
                if args.wantsHelp { ctx.out.write(helpText(type, prefix: prefix)); return ExitCode.success }
                return usageError(ctx.err, "\(prefix) needs a subcommand: \(names)")
            }
            guard let subtype = subcommands.first(where: { $0.name == sub }) else {
                let hint = Suggestion.hint(sub, subcommands.filter { !$0.hidden }.map { $0.name }, prefix: prefix + " ")
                return usageError(ctx.err, "unknown subcommand '\(prefix) \(sub)'" + (hint.isEmpty ? " (known: \(names))" : hint))
            }
            args = probe
            return dispatch(subtype, &args, ctx, prefix: "\(prefix) \(sub)")
        }
        if args.wantsHelp {
            ctx.out.write(helpText(type, prefix: prefix))
            return ExitCode.success
        }
        return execute(type, &args, ctx, prefix: prefix)
    }

    static func helpText(_ type: any Command.Type, prefix: String) -> String {
        HelpText.command(type, path: prefix)
    }

    /// `queuectl help [COMMAND [SUBCOMMAND]]`.
    static func helpCommand(_ words: [String], out: Output, err: Output) -> Int32 {
        guard !words.isEmpty else { out.write(help()); return ExitCode.success }
        var list = commands
        var type: (any Command.Type)?
        var path: [String] = []
        for w in words {
            guard let t = list.first(where: { $0.name == w }) else {
                let hint = Suggestion.hint(w, list.filter { !$0.hidden }.map { $0.name })
                let what = path.isEmpty ? "command '\(w)'" : "subcommand '\((path + [w]).joined(separator: " "))'"
                return usageError(err, "unknown \(what)" + hint)
            }
            type = t; path.append(w); list = t.subcommands
        }
        out.write(HelpText.command(type!, path: path.joined(separator: " ")))
        return ExitCode.success
    }

    static func execute<C: Command>(_ type: C.Type, _ args: inout Arguments, _ ctx: Context, prefix: String) -> Int32 {
        do {
            let command = try C(&args)
            try args.finish()
            return try command.run(ctx)
        } catch let e as UsageError where e.unknownOption != nil {
            let word = e.unknownOption!.split(separator: "=", maxSplits: 1).first.map(String.init) ?? e.unknownOption!
            ctx.err.line("queuectl \(prefix): \(e)" + Suggestion.hint(word, (type.options + [OptionSpec.help]).flatMap(\.names)))
            return ExitCode.usage
        } catch {
            ctx.err.line(Style.of(ctx, err: true).red("queuectl \(prefix): \(error)"))
            return exitCode(for: error)
        }
    }

    static func usageError(_ err: Output, _ message: String) -> Int32 {
        err.line("queuectl: \(message)")
        return ExitCode.usage
    }

    /// `$XDG_STATE_HOME/queuectl` or `~/.local/state/queuectl`.
    static func defaultSpool(_ env: [String: String]) -> String {
        if let xdg = env["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/queuectl" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp/queuectl-\(ClientProcess.userID)"
        return home + "/.local/state/queuectl"
    }

    static func help() -> String { HelpText.global(commands) }
}
