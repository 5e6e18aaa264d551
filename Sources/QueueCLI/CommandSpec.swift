import QueueCore

/// What kind of value an option or a positional argument takes, for shell completion.
public enum ValueKind: Sendable, Equatable {
    /// No value (a flag), or nothing a shell can usefully complete.
    case none
    /// A job state name (`pending`, `dead`, ...).
    case state
    /// A config key (`max_retries`, ...).
    case configKey
    /// A job id from the spool.
    case jobID
    /// A file name.
    case file
    /// A free value (number, duration, text): completed with nothing.
    case text
    /// One of a fixed list of words.
    case choices([String])
}

/// One option of a command, as data: `--help`, the man page and the completion scripts are
/// rendered from it. Invariant: `names` is non-empty and each name starts with `-`; `value` is nil
/// exactly for flags.
public struct OptionSpec: Sendable {
    public var names: [String]
    /// The value placeholder (`N`, `STATE`), nil for a flag.
    public var value: String?
    /// The default, as shown in help (nil: none worth saying).
    public var defaultValue: String?
    public var help: String
    /// What the value is, for completion.
    public var kind: ValueKind

    /// A flag (takes no value).
    static func flag(_ names: String..., help: String) -> OptionSpec {
        OptionSpec(names: names, value: nil, defaultValue: nil, help: help, kind: .none)
    }

    /// An option with a value.
    static func value(_ names: String..., placeholder: String, default defaultValue: String? = nil, kind: ValueKind = .text, help: String) -> OptionSpec {
        OptionSpec(names: names, value: placeholder, defaultValue: defaultValue, help: help, kind: kind)
    }

    /// `--name VALUE`, `-n, --name`: how the option is written in help and man page.
    var synopsis: String {
        names.joined(separator: ", ") + (value.map { " " + $0 } ?? "")
    }

    /// `-h, --help` on every command.
    static let help = OptionSpec.flag("-h", "--help", help: "print this help and exit")
}

/// The global options, before the command.
enum GlobalOptions {
    static let all: [OptionSpec] = [
        .value("--spool", placeholder: "DIR", default: "$QUEUECTL_SPOOL, else $XDG_STATE_HOME/queuectl", kind: .file,
               help: "the spool directory"),
        .flag("-h", "--help", help: "print the list of commands and exit"),
        .flag("--version", help: "print the version and exit"),
        .flag("--no-color", help: "no colour even on a terminal (as does a non-empty NO_COLOR)"),
    ]
}

/// Defaults for the structured definition (see `Command`): a command added without them still
/// builds; the `HelpTests` suite fails for any visible command whose summary or examples are missing.
extension Command {
    static var summary: String { String(abstract.split(separator: "\n").first ?? "") }
    static var options: [OptionSpec] { [] }
    static var arguments: ValueKind { .none }
    static var examples: [String] { [] }
    static var hidden: Bool { false }
}

/// A command's place in the tree: its full name (`worker start`) and its type.
struct CommandNode {
    var path: [String]
    var type: any Command.Type
    var fullName: String { path.joined(separator: " ") }

    /// Every visible command, depth first (a group before its subcommands).
    static func all(_ roots: [any Command.Type] = QueueCLI.commands) -> [CommandNode] {
        var out: [CommandNode] = []
        func walk(_ t: any Command.Type, _ prefix: [String]) {
            guard !t.hidden else { return }
            let node = CommandNode(path: prefix + [t.name], type: t)
            out.append(node)
            for s in t.subcommands { walk(s, node.path) }
        }
        for r in roots { walk(r, []) }
        return out
    }
}
