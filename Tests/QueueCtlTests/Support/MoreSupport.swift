import Foundation
import QueueCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

// Extra helpers for the end-to-end tests (worker line parsing, raw argv, gates, file drops).

/// One line a foreground worker prints: `<ISO-8601 time> <text>`.
struct WorkerLine: CustomStringConvertible {
    var time: Double
    var text: String
    var description: String { "\(time) \(text)" }
}

/// Parses worker output into timed lines (lines without a leading timestamp are skipped).
func workerLines(_ output: String) -> [WorkerLine] {
    output.split(separator: "\n").compactMap { (line: Substring) -> WorkerLine? in
        let parts = line.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let t = Timestamp(iso8601: String(parts[0])) else { return nil }
        return WorkerLine(time: t.secondsSinceEpoch, text: String(parts[1]))
    }
}

/// The ids in "start ID attempt N: ..." lines, in order.
func startedIDs(_ output: String) -> [String] {
    workerLines(output).compactMap { l in
        guard l.text.hasPrefix("start ") else { return nil }
        return l.text.split(separator: " ").dropFirst().first.map(String.init)
    }
}

/// Seconds since the epoch of an ISO-8601 field of a job dictionary.
func seconds(_ job: [String: Any]?, _ key: String) -> Double? {
    (job?[key] as? String).flatMap { Timestamp(iso8601: $0) }?.secondsSinceEpoch
}

/// Parses text as JSON (any top-level value).
func parseJSON(_ text: String) -> Any? {
    try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// True when `pid` no longer runs (absent, or a zombie nobody reaped yet).
func processIsGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    // Field 3 (after the parenthesised command name) is the state.
    guard let close = stat.lastIndex(of: ")") else { return true }
    let state = stat.suffix(from: close).dropFirst().split(separator: " ").first
    return state == "Z" || state == "X"
}

/// Current wall-clock time in seconds.
func wallNow() -> Double { Timestamp.now().secondsSinceEpoch }

extension TempSpool {
    /// Absolute path inside the spool.
    func path(_ relative: String) -> String { "\(root)/\(relative)" }

    /// Absolute path inside the test's scratch directory (outside the spool).
    func scratch(_ name: String) -> String { "\(dir)/\(name)" }

    /// Writes a file (creating it) with `text`.
    func write(_ path: String, _ text: String) {
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    /// Writes raw bytes to a file.
    func write(_ path: String, bytes: [UInt8]) {
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    /// Reads a file as text ("" if missing).
    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Every file under the spool with its contents (for "nothing changed" assertions that
    /// also cover config.json and job contents). Symlinks are not followed.
    func deepSnapshot() -> [String: Data] {
        var out: [String: Data] = [:]
        for rel in snapshot() {
            let p = path(rel)
            var st = stat()
            guard lstat(p, &st) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFREG { out[rel] = FileManager.default.contents(atPath: p) ?? Data() }
            else { out[rel] = Data("<\(st.st_mode & S_IFMT)>".utf8) }
        }
        return out
    }

    /// Enqueues a job from JSON and requires success.
    @discardableResult
    func enqueue(_ json: String) -> RunResult {
        let r = run(["enqueue", json])
        precondition(r.code == 0, "enqueue failed: \(r)")
        return r
    }

    /// Starts a foreground worker and waits until it has printed its "started" line.
    func startWorker(_ extra: [String] = [], env: [String: String] = [:]) -> RunningProcess {
        let w = start(["worker", "start"] + extra, env: env)
        _ = eventually(timeout: 20) { w.output.contains(" started (pid ") || w.wait(timeout: 0) != nil }
        return w
    }

    /// The spool-relative names in corrupt/ that are not `.reason` files.
    var quarantined: [String] { files("corrupt").filter { !$0.hasSuffix(".reason") } }

    /// A shell snippet that blocks until the gate file `name` exists (in the scratch dir), or
    /// until the scratch dir is removed (so a failed test leaves no job spinning forever).
    func waitForGate(_ name: String) -> String {
        "while [ ! -e '\(scratch(name))' ] && [ -d '\(dir)' ]; do sleep 0.01; done"
    }

    /// Opens the gate `name`.
    func openGate(_ name: String) { write(scratch(name), "") }
}

extension RunningProcess {
    /// Waits until the output contains `text`.
    func waitFor(_ text: String, timeout: Double = 20) -> Bool {
        eventually(timeout: timeout) { output.contains(text) }
    }

    /// Sends SIGTERM and waits for exit.
    @discardableResult
    func stop(timeout: Double = 20) -> Int32? {
        signal(SIGTERM)
        return wait(timeout: timeout)
    }
}

/// Runs the binary with raw argv bytes (after argv[0]), e.g. to pass invalid UTF-8, which
/// `[String]` cannot carry. Output goes through files in `dir`.
func runRaw(_ args: [[UInt8]], dir: String, stdin: String = "/dev/null") -> RunResult {
    let n = UInt32.random(in: 0...UInt32.max)
    let outPath = "\(dir)/raw-\(n).out", errPath = "\(dir)/raw-\(n).err"
    var fa = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&fa)
    defer { posix_spawn_file_actions_destroy(&fa) }
    posix_spawn_file_actions_addopen(&fa, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&fa, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&fa, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let all: [[UInt8]] = [Array(QueueCtlBinary.path.utf8)] + args
    let argv: [UnsafeMutablePointer<CChar>?] = all.map { bytes in
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
        p[bytes.count] = 0
        return p
    } + [nil]
    defer { for p in argv { p?.deallocate() } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, QueueCtlBinary.path, &fa, nil, argv, environ)
    guard rc == 0 else { return RunResult(code: -1, out: "", err: "posix_spawn failed: \(rc)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    return RunResult(code: code, out: out, err: err)
}
