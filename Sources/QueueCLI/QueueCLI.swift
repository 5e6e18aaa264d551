import QueueCore

/// The `queuectl` command line. `main()` is the process entry; `run` is callable from tests.
public enum QueueCLI {
    static var commands: [any Command.Type] { [
        EnqueueCommand.self, WorkerCommand.self, StatusCommand.self, ListCommand.self, ShowCommand.self,
        LogsCommand.self, DLQCommand.self, DeleteCommand.self, ConfigCommand.self, RecoverCommand.self,
        FsckCommand.self, WaitCommand.self, HoldCommand.self, ReleaseCommand.self, RetryCommand.self,
        PauseCommand.self, ResumeCommand.self, PurgeCommand.self, WebCommand.self, WhyCommand.self, EventsCommand.self,
        ArchiveCommand.self,
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
                out.line("queuectl \(version)"); return ExitCode.success
            } else {
                return usageError(err, "unknown option '\(first)'")
            }
        }
        guard let name = words.first else { err.write(help()); return ExitCode.usage }
        if name == "help" { out.write(help()); return ExitCode.success }
        guard let type = commands.first(where: { $0.name == name }) else {
            return usageError(err, "unknown command '\(name)'; run 'queuectl --help' for the list")
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
                return usageError(ctx.err, "unknown subcommand '\(prefix) \(sub)' (known: \(names))")
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
        "usage: queuectl [--spool DIR] \(prefix) \(type.usage)\n\n\(type.abstract)\n"
    }

    static func execute<C: Command>(_ type: C.Type, _ args: inout Arguments, _ ctx: Context, prefix: String) -> Int32 {
        do {
            let command = try C(&args)
            try args.finish()
            return try command.run(ctx)
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

    static let version = "0.1.0"

    static func help() -> String {
        var s = """
        usage: queuectl [--spool DIR] [--no-color] COMMAND [OPTIONS]

        A background job queue whose only storage is a directory tree (the spool).
        The spool is --spool DIR, else $QUEUECTL_SPOOL, else $XDG_STATE_HOME/queuectl
        (~/.local/state/queuectl). Every command takes --help.

        commands:

        """
        for c in commands {
            let pad = String(repeating: " ", count: max(1, 10 - c.name.count))
            s += "  \(c.name)\(pad)\(c.abstract.split(separator: "\n").first ?? "")\n"
        }
        s += "\nexit codes: 0 success, 1 the operation failed, 2 bad usage or invalid input\n"
        return s
    }
}
