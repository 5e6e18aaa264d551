import QueueCore

/// `queuectl config list|get|set|unset`: settings stored in the spool's config.json.
struct ConfigCommand: Command {
    static let name = "config"
    static let abstract = "Show or change settings (stored in the spool; running workers pick up changes)."
    static let usage = "(list | get KEY | set KEY VALUE | unset KEY)"
    static let summary = "Show or change settings stored in the spool"
    static let examples = ["config list", "config set max_retries 5"]
    static var subcommands: [any Command.Type] { [List.self, Get.self, Set.self, Unset.self] }
    init(_ args: inout Arguments) throws {}
    func run(_ ctx: Context) throws -> Int32 { ExitCode.usage }

    struct List: Command {
        static let name = "list"
        static let abstract = "List every key with its value and meaning."
        static let usage = "[--json]"
    static let summary = "List every key with its value and meaning"
    static let options: [OptionSpec] = [.flag("--json", help: "print one JSON object")]
    static let examples = ["config list --json"]
        var json: Bool
        init(_ args: inout Arguments) throws { json = try args.flag("--json") }
        func run(_ ctx: Context) throws -> Int32 {
            let config = try ctx.spool.config()
            if json { ctx.out.line(JSONOut.render(config.jsonObject())); return ExitCode.success }
            for key in Config.keys + config.groupLimitKeys {
                ctx.out.line("\(key.name.padding(20))\((try config.value(of: key.name)).padding(10))# \(key.help)")
            }
            return ExitCode.success
        }
    }

    struct Get: Command {
        static let name = "get"
        static let abstract = "Print one key's value."
        static let usage = "KEY"
    static let summary = "Print one key's value"
    static let arguments: ValueKind = .configKey
    static let examples = ["config get max_retries"]
        var key: String
        init(_ args: inout Arguments) throws {
            guard let k = try args.positional() else { throw .usage("missing KEY") }
            _ = try Config.key(named: k)
            key = k
        }
        func run(_ ctx: Context) throws -> Int32 {
            ctx.out.line(try ctx.spool.config().value(of: key))
            return ExitCode.success
        }
    }

    struct Set: Command {
        static let name = "set"
        static let abstract = "Change one key (validated; written atomically and durably)."
        static let usage = "KEY VALUE"
    static let summary = "Change one key (validated; written atomically and durably)"
    static let arguments: ValueKind = .configKey
    static let examples = ["config set backoff_base 3", "config set group.db.limit 2"]
        var key: String
        var value: String
        init(_ args: inout Arguments) throws {
            guard let k = try args.positional(), let v = try args.positional() else { throw .usage("usage: config set KEY VALUE") }
            var probe = Config()
            try probe.set(k, to: v)
            key = k; value = v
        }
        func run(_ ctx: Context) throws -> Int32 {
            try ctx.spool.create()
            try ctx.spool.updateConfig { (c) throws(QueueError) in try c.set(key, to: value) }
            return ExitCode.success
        }
    }

    struct Unset: Command {
        static let name = "unset"
        static let abstract = "Remove one key: a group limit (group.NAME.limit) is lifted; any other key returns to its default."
        static let usage = "KEY"
    static let summary = "Return a key to its default, or lift a group limit"
    static let arguments: ValueKind = .configKey
    static let examples = ["config unset group.db.limit"]
        var key: String
        init(_ args: inout Arguments) throws {
            guard let k = try args.positional() else { throw .usage("usage: config unset KEY") }
            _ = try Config.key(named: k)
            key = k
        }
        func run(_ ctx: Context) throws -> Int32 {
            try ctx.spool.create()
            try ctx.spool.updateConfig { (c) throws(QueueError) in try c.unset(key) }
            return ExitCode.success
        }
    }
}
