import Foundation
import QueueCore
import QueueSystem

/// Parses JSON-lines output (`list --json`): one object per non-empty line; nil when any line
/// is not a JSON object.
func parseJSONLines(_ text: String) -> [[String: Any]]? {
    var out: [[String: Any]] = []
    for line in text.split(separator: "\n") where !line.isEmpty {
        guard let o = parseJSON(String(line)) as? [String: Any] else { return nil }
        out.append(o)
    }
    return out
}

/// The path of Tests/pty/ptyrun.py (runs a command under a real pseudo-terminal).
let ptyRunner: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("pty/ptyrun.py").path
}()

extension TempSpool {
    /// Starts `queuectl --spool ROOT args...` under a pseudo-terminal (python3's `pty`), with
    /// NO_COLOR removed from its environment unless `env` sets it. `interruptAfter` > 0 sends
    /// SIGINT after that many seconds; 0 waits for the command to exit. `shellSuffix` (e.g.
    /// `> FILE`) is appended to the command line run by `sh -c`. The runner's stdout (the
    /// file `output`) holds every byte written to the terminal.
    /// `stopFile`: when that file appears, the runner sends SIGINT.
    func startOnPty(_ args: [String], interruptAfter: Double = 0, env: [String: String] = [:], shellSuffix: String = "",
                    stopFile: String? = nil) -> RunningProcess {
        let n = UInt32.random(in: 0...UInt32.max)
        let outPath = "\(dir)/pty-\(n).out", errPath = "\(dir)/pty-\(n).err"
        let quoted = ([QueueCtlBinary.path, "--spool", root] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let envWords = env.isEmpty ? ["-u", "NO_COLOR"] : ["-u", "NO_COLOR"] + env.map { "\($0.key)=\($0.value)" }
        let shell = "exec /usr/bin/env " + envWords.map { "'\($0)'" }.joined(separator: " ") + " " + quoted.joined(separator: " ") + " " + shellSuffix
        let child = try! ChildProcess.spawn("/usr/bin/env", ["python3", ptyRunner, String(interruptAfter), "/bin/sh", "-c", shell],
                                            stdout: outPath, stderr: errPath,
                                            environment: stopFile.map { ["PTYRUN_STOP": $0] } ?? [:], newProcessGroup: true)
        return RunningProcess(child: child, outPath: outPath, errPath: errPath)
    }

    /// Runs a command under a pseudo-terminal to completion; `out` is the terminal's bytes.
    func runOnPty(_ args: [String], env: [String: String] = [:], shellSuffix: String = "") -> RunResult {
        let p = startOnPty(args, env: env, shellSuffix: shellSuffix)
        let code = p.wait(timeout: 60) ?? -1
        return RunResult(code: code, out: p.output, err: p.errors)
    }
}

/// The escape character that starts every colour and cursor sequence.
let ESC: Character = "\u{1B}"
