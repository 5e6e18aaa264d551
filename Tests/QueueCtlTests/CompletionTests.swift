import Foundation
import Testing

/// `queuectl completion bash|zsh|fish`: the bash script is sourced in a real bash and its
/// completion function driven through COMP_WORDS/COMP_CWORD.
@Suite("shell completion scripts complete subcommands, options, states, config keys and job ids")
struct CompletionTests {
    /// Sources the bash script and completes each command line (its last word is the one being
    /// completed); returns the COMPREPLY candidates of each, sorted.
    static func complete(_ s: TempSpool, _ lines: [[String]], env: [String: String] = [:]) throws -> [[String]] {
        guard let bash = Tool.find("bash") else { throw Skip() }
        let script = s.run(["completion", "bash"])
        #expect(script.code == 0 && script.err.isEmpty, "\(script)")
        try FileManager.default.createDirectory(atPath: s.dir, withIntermediateDirectories: true)
        let scriptPath = s.dir + "/queuectl.bash"
        try script.out.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        var driver = "source '\(scriptPath)' || exit 9\n"
        for words in lines {
            let quoted = words.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            driver += "COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); COMPREPLY=(); _queuectl\n"
            driver += "echo \"@@ ${COMPREPLY[*]}\"\n"
        }
        let driverPath = s.dir + "/driver.bash"
        try driver.write(toFile: driverPath, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["QUEUECTL_SPOOL"] = nil
        environment["HOME"] = s.dir
        environment["XDG_STATE_HOME"] = nil
        for (k, v) in env { environment[k] = v }
        let r = try Tool.run(bash, ["--norc", "--noprofile", driverPath], env: environment, in: s.dir)
        #expect(r.code == 0 && r.err.isEmpty, "bash: \(r)")
        let out = r.lines.filter { $0.hasPrefix("@@") }.map { $0.dropFirst(2).split(separator: " ").map(String.init).sorted() }
        #expect(out.count == lines.count, "\(r)")
        return out
    }

    struct Skip: Error {}

    @Test func bashCompletesSubcommandsOptionsStatesKeysAndIDs() throws {
        let s = TempSpool()
        s.run(["enqueue", "--id", "alpha-1", "--command", "true"])
        s.run(["enqueue", "--id", "alpha-2", "--command", "true"])
        s.run(["enqueue", "--id", "beta", "--command", "true", "--delay", "1000"])
        let commands = HelpTests.commandPaths(s).filter { !$0.contains(" ") }.sorted()
        let listOptions = HelpTests.options(s.run(["list", "--help"]).out).map(\.name).sorted()
        let keys = s.run(["config", "list"]).lines.map { String($0.split(separator: " ")[0]) }.sorted()
        let states = ["completed", "dead", "failed", "held", "pending", "processing", "waiting"]
        let r: [[String]]
        do {
            r = try Self.complete(s, [
                ["queuectl", ""],
                ["queuectl", "st"],
                ["queuectl", "worker", ""],
                ["queuectl", "dlq", "re"],
                ["queuectl", "list", "--"],
                ["queuectl", "list", "--state", ""],
                ["queuectl", "list", "--json", "--state", "d"],
                ["queuectl", "config", "get", ""],
                ["queuectl", "config", "set", "time_"],
                ["queuectl", "--spool", s.root, "show", ""],
                ["queuectl", "--spool", s.root, "logs", "alpha"],
                ["queuectl", "logs", "b"],
                ["queuectl", "wait", "--timeout", ""],
                ["queuectl", "completion", ""],
            ], env: ["QUEUECTL_SPOOL": s.root])
        } catch is Skip { print("SKIP bash completion: bash is not installed"); return }
        #expect(r[0] == commands, "subcommands")
        #expect(r[1] == ["status"])
        #expect(r[2] == ["list", "logs", "start", "stop"])
        #expect(r[3] == ["retry"])
        #expect(r[4] == listOptions.filter { $0.hasPrefix("--") }, "list options")
        #expect(r[5] == states)
        #expect(r[6] == ["dead"])
        #expect(r[7] == keys && keys.contains("max_retries"), "config keys \(keys)")
        #expect(r[8] == ["time_unit"])
        #expect(r[9] == ["alpha-1", "alpha-2", "beta"], "ids from --spool")
        #expect(r[10] == ["alpha-1", "alpha-2"])
        #expect(r[11] == ["beta"], "ids from $QUEUECTL_SPOOL")
        #expect(r[12] == [], "a free value completes nothing")
        #expect(r[13] == ["bash", "fish", "zsh"])
    }

    @Test func bashListsAtMost200IDs() throws {
        let s = TempSpool()
        let lines = (0..<250).map { "{\"id\":\"j\($0)\",\"command\":\"true\"}" }.joined(separator: "\n") + "\n"
        let e = s.run(["enqueue", "-"], stdin: lines)
        #expect(e.code == 0, "\(e)")
        let r: [[String]]
        do { r = try Self.complete(s, [["queuectl", "--spool", s.root, "show", ""]]) } catch is Skip { print("SKIP: no bash"); return }
        #expect(r[0].count == 200, "\(r[0].count) ids")
    }

    @Test func zshAndFishScriptsAreProducedAndParse() throws {
        let s = TempSpool()
        try FileManager.default.createDirectory(atPath: s.dir, withIntermediateDirectories: true)
        for (shell, marker) in [("zsh", "compdef _queuectl queuectl"), ("fish", "complete -c queuectl")] {
            let r = s.run(["completion", shell])
            #expect(r.code == 0 && r.err.isEmpty && r.out.contains(marker), "\(shell): \(r)")
            #expect(r.out.contains("worker") && r.out.contains("max_retries") && r.out.contains("processing")
                    && r.out.contains("ids"), "\(shell) script lacks commands, keys, states or ids")
            guard let tool = Tool.find(shell) else { print("SKIP \(shell) -n: \(shell) is not installed"); continue }
            let path = "\(s.dir)/queuectl.\(shell)"
            try r.out.write(toFile: path, atomically: true, encoding: .utf8)
            let check = try Tool.run(tool, ["-n", path], in: s.dir)
            #expect(check.code == 0 && check.err.isEmpty, "\(shell) -n: \(check)")
        }
        // Where the shells are installed, drive them too: states and ids from the spool.
        s.run(["enqueue", "--id", "gamma", "--command", "true"])
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = s.dir
        env["QUEUECTL_SPOOL"] = s.root
        if let zsh = Tool.find("zsh") {
            let script = "autoload -U compinit && compinit -u -d \(s.dir)/zcompdump\nsource \(s.dir)/queuectl.zsh\n"
                + "echo $(_queuectl_candidates '' list --state)\necho $(_queuectl_candidates '' show)\n"
            let r = try Tool.run(zsh, ["-f", "-c", script], env: env, in: s.dir)
            #expect(r.code == 0 && r.lines == ["pending processing completed failed dead held waiting", "gamma"], "zsh: \(r)")
        }
        if let fish = Tool.find("fish") {
            let script = "source \(s.dir)/queuectl.fish; complete -C 'queuectl list --state d'; complete -C 'queuectl show '"
            let r = try Tool.run(fish, ["--no-config", "-c", script], env: env, in: s.dir)
            #expect(r.code == 0 && r.lines.map { String($0.split(separator: "\t")[0]) } == ["dead", "gamma"], "fish: \(r)")
        }
        let bad = s.run(["completion", "tcsh"])
        #expect(bad.code == 2 && bad.err.contains("unknown shell 'tcsh'"), "\(bad)")
        let typo = s.run(["completion", "bsh"])
        #expect(typo.code == 2 && typo.err.contains("did you mean 'bash'?"), "\(typo)")
    }
}
