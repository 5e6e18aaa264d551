import QueueCore

/// `queuectl fsck [--repair]`.
struct FsckCommand: Command {
    static let name = "fsck"
    static let abstract = """
        Check the spool: stale tmp/ files, orphaned processing jobs, an id in two directories,
        a JSON state that contradicts its directory, misnamed, unreadable or corrupt files,
        stale id markers. --repair fixes what it can (corrupt files are quarantined in corrupt/,
        never deleted). Exit 0 when clean (after repair), 1 otherwise.
        """
    static let usage = "[--repair] [--json]"
    static let summary = "Check the spool for inconsistencies, and repair them"
    static let options: [OptionSpec] = [
        .flag("--repair", help: "fix what can be fixed (corrupt files are quarantined in corrupt/)"),
        .flag("--json", help: "print the findings as JSON"),
    ]
    static let examples = ["fsck", "fsck --repair"]
    var repair: Bool
    var json: Bool
    init(_ args: inout Arguments) throws {
        repair = try args.flag("--repair")
        json = try args.flag("--json")
    }

    func run(_ ctx: Context) throws -> Int32 {
        try ctx.spool.create()
        let config = try ctx.spool.config()
        let line = ProgressLine(ctx, label: "fsck")
        let report = ctx.spool.fsck(repair: repair, config: config, progress: line.reporter)
        line.finish(nil)
        if json {
            ctx.out.line(JSONOut.render(.object([
                "clean": .bool(report.isClean),
                "findings": .array(report.findings.map { .object(["kind": .string($0.kind.rawValue), "path": .string($0.path),
                                                                   "detail": .string($0.detail), "repaired": .bool($0.repaired)]) }),
            ])))
        } else {
            for f in report.findings { ctx.out.line(f.description) }
            ctx.out.line(report.isClean ? "clean" : "\(report.unrepaired.count) problem\(report.unrepaired.count == 1 ? "" : "s") left")
        }
        return report.isClean ? ExitCode.success : ExitCode.failure
    }
}
