import QueueCore

/// `queuectl version` (and the global `queuectl --version`): the version and build information.
/// The version number is `VersionInfo.version` in Sources/QueueCore/Client/VersionInfo.swift.
struct VersionCommand: Command {
    static let name = "version"
    static let abstract = """
        Print the version and build information: the git commit (embedded by scripts/install;
        "unknown" for a plain swift build), the Swift compiler, OS and architecture, and whether
        the binary is fully static. The first line is always "queuectl VERSION".
        --json prints {"version", "commit", "swift", "platform", "linkage"} (null when unknown).
        """
    static let usage = "[--json]"
    static let summary = "Print the version and build information"
    static let options: [OptionSpec] = [.flag("--json", help: "print the version and build facts as one JSON object")]
    static let examples = ["version", "version --json"]
    var json: Bool

    init(_ args: inout Arguments) throws {
        json = try args.flag("--json")
    }

    func run(_ ctx: Context) throws -> Int32 {
        Self.render(VersionInfo.current, json: json, to: ctx.out)
        return ExitCode.success
    }

    /// Prints `info` as text lines or as one JSON object.
    static func render(_ info: VersionInfo, json: Bool, to out: Output) {
        if json {
            let v: JSONValue = .object([
                "version": .string(info.version),
                "commit": info.commit.map { .string($0) } ?? .null,
                "swift": .string(info.swift),
                "platform": .string(info.platform),
                "linkage": info.linkage.map { .string($0) } ?? .null,
            ])
            out.line(JSONOut.render(v))
            return
        }
        out.line("queuectl \(info.version)")
        out.line("commit: \(info.commit ?? "unknown (not built by scripts/install)")")
        out.line("swift: \(info.swift)")
        out.line("platform: \(info.platform)")
        out.line("linkage: \(info.linkage ?? "unknown")")
    }
}
