import QueueCore

/// `queuectl completion bash|zsh|fish`: prints a shell completion script.
struct CompletionCommand: Command {
    static let name = "completion"
    static let summary = "Print a shell completion script for bash, zsh or fish"
    static let abstract = """
        Print a completion script that completes subcommands, options, state names, config keys
        and job ids (the first 200 of the spool's ids/ directory; bash and zsh; fish too).
        bash: source <(queuectl completion bash), or save it as
        /usr/share/bash-completion/completions/queuectl. zsh: save it as _queuectl in a directory of
        $fpath. fish: save it as ~/.config/fish/completions/queuectl.fish.
        """
    static let usage = "bash|zsh|fish"
    static let arguments: ValueKind = .choices(CompletionScript.shells)
    static let examples = ["completion bash > ~/.local/share/bash-completion/completions/queuectl"]
    var shell: String

    init(_ args: inout Arguments) throws {
        guard let s = try args.positional() else { throw .usage("completion needs a shell: bash, zsh or fish") }
        guard CompletionScript.shells.contains(s) else {
            throw .usage("unknown shell '\(s)' (one of: bash, zsh, fish)" + Suggestion.hint(s, CompletionScript.shells))
        }
        shell = s
    }

    func run(_ ctx: Context) throws -> Int32 {
        ctx.out.write(CompletionScript.render(shell, QueueCLI.commands) ?? "")
        return ExitCode.success
    }
}

/// `queuectl man`: prints the man page (roff); `queuectl man | man -l -` shows it.
struct ManCommand: Command {
    static let name = "man"
    static let summary = "Print the manual page (roff) generated from the command definitions"
    static let abstract = """
        Print queuectl.1, the manual page in roff, rendered from the same command definitions as
        --help. View it with: queuectl man | man -l -
        """
    static let usage = ""
    static let examples = ["man > queuectl.1"]
    init(_ args: inout Arguments) throws {}

    func run(_ ctx: Context) throws -> Int32 {
        ctx.out.write(ManPage.render(QueueCLI.commands))
        return ExitCode.success
    }
}
