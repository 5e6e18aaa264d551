import Foundation
import QueueCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// The built `queuectl` binary, found next to the test bundle (swift test builds it).
enum QueueCtlBinary {
    static let path: String = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("queuectl").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let fallback = FileManager.default.currentDirectoryPath + "/.build/debug/queuectl"
        return fallback
    }()
}

/// The result of one `queuectl` run.
struct RunResult: CustomStringConvertible {
    var code: Int32
    var out: String
    var err: String
    var lines: [String] { out.split(separator: "\n").map(String.init) }
    var description: String { "exit \(code)\nstdout: \(out)\nstderr: \(err)" }
}

/// A temporary spool on a real directory, removed at deinit, with helpers to run the binary on it.
final class TempSpool: @unchecked Sendable {
    let dir: String
    let root: String
    let spool: Spool
    /// Added to the environment of every `run` and `start` (e.g. `QUEUECTL_NO_RENAME_FLAGS=1`).
    var baseEnv: [String: String] = [:]

    init(_ label: String = #function) {
        let base = FileManager.default.temporaryDirectory.path
        let clean = label.filter { $0.isLetter || $0.isNumber }.prefix(30)
        dir = "\(base)/queuectl-test-\(clean)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        root = dir + "/spool"
        spool = Spool(root: root)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// Runs `queuectl --spool ROOT args...` to completion, stdout/stderr through files.
    @discardableResult
    func run(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) -> RunResult {
        let n = UInt32.random(in: 0...UInt32.max)
        let outPath = "\(dir)/out-\(n)", errPath = "\(dir)/err-\(n)"
        var inPath = "/dev/null"
        if let stdin { inPath = "\(dir)/in-\(n)"; FileManager.default.createFile(atPath: inPath, contents: Data(stdin.utf8)) }
        let child = try! ChildProcess.spawn(QueueCtlBinary.path, ["--spool", root] + args, stdin: inPath,
                                            stdout: outPath, stderr: errPath, environment: baseEnv.merging(env) { _, b in b }, newProcessGroup: false)
        let t = child.wait(untilMonotonicNanos: nil)
        let code: Int32
        switch t { case .exited(let c)?: code = c; case .signaled(let s)?: code = 128 + s; case nil: code = -1 }
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return RunResult(code: code, out: out, err: err)
    }

    func run(_ args: String..., stdin: String? = nil) -> RunResult { run(args, stdin: stdin) }

    /// Starts a long-running `queuectl` (e.g. a worker); output goes to files.
    func start(_ args: [String], env: [String: String] = [:]) -> RunningProcess {
        let n = UInt32.random(in: 0...UInt32.max)
        let outPath = "\(dir)/proc-\(n).out", errPath = "\(dir)/proc-\(n).err"
        let child = try! ChildProcess.spawn(QueueCtlBinary.path, ["--spool", root] + args, stdout: outPath, stderr: errPath,
                                            environment: baseEnv.merging(env) { _, b in b }, newProcessGroup: true)
        return RunningProcess(child: child, outPath: outPath, errPath: errPath)
    }

    /// Names of the files in a state directory (sorted).
    func files(_ state: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(state)")) ?? []).sorted()
    }

    /// The ids found in a state directory.
    func ids(in state: JobState) -> [String] {
        files(state.rawValue).compactMap { JobFileName.id(of: $0, in: state)?.rawValue }
    }

    /// Reads a job's JSON file as a dictionary.
    func job(_ id: String) -> [String: Any]? {
        guard let loc = try? spool.locate(JobID(id)),
              let data = FileManager.default.contents(atPath: loc.path) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// A full snapshot of every file name under the spool (for "nothing changed" assertions).
    func snapshot() -> [String] {
        guard let e = FileManager.default.enumerator(atPath: root) else { return [] }
        return (e.allObjects as? [String] ?? []).sorted()
    }

    /// Sets config keys for fast tests.
    func fast(_ extra: [String: String] = [:]) {
        var keys = ["time_unit": "0.001", "poll_interval": "0.2", "kill_grace": "0.2"]
        for (k, v) in extra { keys[k] = v }
        for (k, v) in keys { let r = run(["config", "set", k, v]); precondition(r.code == 0, r.description) }
    }
}

/// A `queuectl` process running in the background of a test.
final class RunningProcess: @unchecked Sendable {
    let child: ChildProcess
    let outPath: String
    let errPath: String
    private(set) var exitCode: Int32?

    init(child: ChildProcess, outPath: String, errPath: String) {
        self.child = child; self.outPath = outPath; self.errPath = errPath
    }

    var pid: Int32 { child.pid }
    var output: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) { kill(child.pid, sig) }

    /// Waits for exit (seconds); returns the exit code, or nil on timeout.
    @discardableResult
    func wait(timeout: Double = 30) -> Int32? {
        if let exitCode { return exitCode }
        let t = child.wait(untilMonotonicNanos: MonotonicClock.nanos() + UInt64(timeout * 1e9))
        switch t {
        case .exited(let c)?: exitCode = c
        case .signaled(let s)?: exitCode = 128 + s
        case nil: return nil
        }
        return exitCode
    }

    /// Kills the process group (cleanup).
    func kill9() { Glibc.kill(-child.pid, SIGKILL); _ = wait(timeout: 10) }

    deinit { if exitCode == nil { Glibc.kill(-child.pid, SIGKILL); _ = child.wait(untilMonotonicNanos: MonotonicClock.nanos() + 5_000_000_000) } }
}

/// Polls `condition` every 5 ms until it holds or `timeout` seconds pass.
func eventually(timeout: Double = 20, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}
