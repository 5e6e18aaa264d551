import Foundation
import Testing

/// `--help`, typo suggestions and the man page, all rendered from one set of command definitions.
@Suite("help, typo suggestions and the man page come from the same command definitions")
struct HelpTests {
    /// Every command path (`status`, `worker start`, ...), read from the binary's own help.
    static func commandPaths(_ s: TempSpool) -> [String] {
        func listed(_ help: String) -> [String] {
            guard let start = help.range(of: "\ncommands:\n") else { return [] }
            var names: [String] = []
            for line in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
                if line.isEmpty { if names.isEmpty { continue } else { break } }
                guard line.hasPrefix("  ") else { break }
                names.append(String(line.dropFirst(2).split(separator: " ")[0]))
            }
            return names
        }
        var paths: [String] = []
        for c in listed(s.run(["--help"]).out) {
            paths.append(c)
            for sub in listed(s.run([c, "--help"]).out) { paths.append("\(c) \(sub)") }
        }
        return paths
    }

    /// The options a `--help` text lists (every name, e.g. `-c` and `--command`), with whether each takes a value.
    static func options(_ help: String) -> [(name: String, value: String?)] {
        guard let start = help.range(of: "\noptions:\n") else { return [] }
        var out: [(String, String?)] = []
        for line in help[start.upperBound...].split(separator: "\n") {
            guard line.hasPrefix("  -") else { if line.hasPrefix("  ") { continue } else { break } }
            // "  --name, -n VALUE   help": the synopsis ends at two spaces.
            let synopsis = String(line.dropFirst(2)).components(separatedBy: "  ")[0]
            let parts = synopsis.split(separator: " ").map(String.init)
            let value = parts.last.flatMap { $0.hasPrefix("-") ? nil : $0 }
            for p in parts where p.hasPrefix("-") { out.append((p.trimmingCharacters(in: CharacterSet(charactersIn: ",")), value)) }
        }
        return out
    }

    /// The `.SS` section of one command in the man page.
    static func manSection(_ man: String, _ path: String) -> String? {
        guard let r = man.range(of: ".SS \"\(path)\"\n") else { return nil }
        let rest = man[r.upperBound...]
        let end = rest.range(of: "\n.SS ")?.lowerBound ?? rest.range(of: "\n.SH ")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    static func roff(_ s: String) -> String { s.replacingOccurrences(of: "-", with: "\\-") }

    @Test func aMistypedCommandSubcommandOrOptionSuggestsTheClosestOne() {
        let s = TempSpool()
        let cases: [([String], String)] = [
            (["stauts"], "queuectl: unknown command 'stauts'; did you mean 'status'?\n"),
            (["worker", "strat"], "queuectl: unknown subcommand 'worker strat'; did you mean 'worker start'?\n"),
            (["list", "--stat", "dead"], "queuectl list: unknown option '--stat'; did you mean '--state'?\n"),
            (["list", "--stat=dead"], "queuectl list: unknown option '--stat=dead'; did you mean '--state'?\n"),
            (["worker", "start", "--cont", "2"], "queuectl worker start: unknown option '--cont'; did you mean '--count'?\n"),
            (["--spol", "x", "status"], "queuectl: unknown option '--spol'; did you mean '--spool'?\n"),
            (["help", "stauts"], "queuectl: unknown command 'stauts'; did you mean 'status'?\n"),
        ]
        for (args, expected) in cases {
            let r = s.run(args)
            #expect(r.code == 2 && r.out.isEmpty && r.err == expected, "\(args): \(r)")
        }
        // Nothing close: no guess.
        let far = s.run(["frobnicate"])
        #expect(far.code == 2 && !far.err.contains("did you mean"), "\(far)")
        #expect(!FileManager.default.fileExists(atPath: s.root), "a usage error created the spool")
    }

    @Test func everyCommandHasHelpWithSummaryUsageOptionsAndExample() {
        let s = TempSpool()
        let paths = Self.commandPaths(s)
        #expect(paths.count >= 30, "commands found: \(paths)")
        for p in ["worker start", "dlq retry", "config set", "completion", "man", "status"] {
            #expect(paths.contains(p), "\(p) missing from the help lists: \(paths)")
        }
        for path in paths {
            let words = path.split(separator: " ").map(String.init)
            let r = s.run(words + ["--help"])
            #expect(r.code == 0, "\(path) --help: \(r)")
            let lines = r.lines
            #expect(lines.first?.hasPrefix("queuectl \(path) - ") == true && lines[0].count > "queuectl \(path) - ".count,
                    "\(path): no summary line: \(r.out)")
            #expect(r.out.contains("\nusage: queuectl [--spool DIR] \(path)"), "\(path): no usage: \(r.out)")
            #expect(r.out.contains("\noptions:\n") && r.out.contains("-h, --help"), "\(path): no options: \(r.out)")
            #expect(r.out.contains("\nexample:\n  queuectl \(path)") || r.out.contains("\nexamples:\n  queuectl \(path)"),
                    "\(path): no example: \(r.out)")
            // `help PATH` prints the same.
            let h = s.run(["help"] + words)
            #expect(h.code == 0 && h.out == r.out, "help \(path): \(h)")
        }
        // Defaults are shown.
        #expect(s.run(["worker", "start", "--help"]).out.contains("(default: 1)"))
        #expect(s.run(["web", "--help"]).out.contains("(default: 8080)"))
    }

    /// Every option a command's help lists is one its parser knows: given with a value (or
    /// alone, for a flag) before an unknown word, the error names the unknown word, never the option.
    @Test func everyListedOptionIsOneTheParserKnows() {
        let s = TempSpool()
        for path in Self.commandPaths(s) {
            let words = path.split(separator: " ").map(String.init)
            for (name, value) in Self.options(s.run(words + ["--help"]).out) where name != "--help" && name != "-h" {
                var args = words + [name]
                if let value { args.append(value == "STATE" ? "completed" : value == "ADDRESS" ? "127.0.0.1" : "1") }
                args.append("--zzz-bogus")
                let r = s.run(args)
                #expect(r.code == 2, "\(args): \(r)")
                #expect(!r.err.contains("unknown option '\(name)'"), "\(path) lists \(name) but does not parse it: \(r)")
            }
        }
    }

    @Test func theManPageIsTheCommittedOneAndCoversEveryCommandAndOption() throws {
        let s = TempSpool()
        let r = s.run(["man"])
        #expect(r.code == 0 && r.err.isEmpty)
        let committed = try String(contentsOfFile: Tool.packageRoot + "/queuectl.1", encoding: .utf8)
        #expect(r.out == committed, "queuectl.1 is stale: regenerate it with `queuectl man > queuectl.1`")
        let man = r.out
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "ENVIRONMENT", "FILES", "EXIT STATUS", "EXAMPLES", "SEE ALSO"] {
            #expect(man.contains("\n.SH \(section)\n"), "no \(section) section")
        }
        for word in ["QUEUECTL_SPOOL", "QUEUECTL_HOST", "NO_COLOR", "124", "75", "100", "pending/", "processing/", "ids/", "config.json"] {
            #expect(man.contains(word), "the man page does not mention \(word)")
        }
        let paths = Self.commandPaths(s)
        for path in paths {
            guard let section = Self.manSection(man, path) else { Issue.record("no man section for \(path)"); continue }
            let help = s.run(path.split(separator: " ").map(String.init) + ["--help"]).out
            let helpOptions = Set(Self.options(help).map(\.name)).subtracting(["-h", "--help"])
            for o in helpOptions {
                #expect(section.contains("\\fB\(Self.roff(o))\\fR"), "man page: \(path) lacks \(o)")
            }
            // And the other way: every option in the man section is in --help.
            var manOptions = Set<String>()
            var lines = section.split(separator: "\n").makeIterator()
            while let l = lines.next() {
                if l == ".TP", let def = lines.next() {
                    for m in def.components(separatedBy: "\\fB").dropFirst() {
                        manOptions.insert(m.components(separatedBy: "\\fR")[0].replacingOccurrences(of: "\\-", with: "-"))
                    }
                }
            }
            #expect(manOptions == helpOptions, "\(path): man \(manOptions.sorted()) vs help \(helpOptions.sorted())")
        }
        // The global options too.
        for o in Self.options(s.run(["--help"]).out) { #expect(man.contains("\\fB\(Self.roff(o.name))\\fR"), "\(o.name)") }
    }

    @Test func groffRendersTheManPageWithoutWarnings() throws {
        guard let groff = Tool.find("groff") else {
            print("SKIP groffRendersTheManPageWithoutWarnings: groff is not installed (Debian package groff-base)")
            return
        }
        let s = TempSpool()
        try FileManager.default.createDirectory(atPath: s.dir, withIntermediateDirectories: true)
        let page = s.dir + "/queuectl.1"
        try s.run(["man"]).out.write(toFile: page, atomically: true, encoding: .utf8)
        let r = try Tool.run(groff, ["-man", "-Tutf8", "-ww", page], in: s.dir)
        #expect(r.code == 0, "\(r)")
        #expect(r.err.isEmpty, "groff warned: \(r.err)")
        #expect(r.out.contains("QUEUECTL(1)") && r.out.contains("worker start"), "rendered: \(r.out.prefix(500))")
    }
}
