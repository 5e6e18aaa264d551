import Foundation
import QueueCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

// Helpers for the crash tests (fault injection, chaos, power loss): where a job is, across
// every state directory, read straight from the files (not through Spool.locate, which stops at
// the first copy it finds and so cannot see a job that is in two places).

/// One copy of a job found in a state directory.
struct JobCopy: CustomStringConvertible {
    var directory: String
    var name: String
    /// The parsed JSON, nil when the file does not parse.
    var json: [String: Any]?
    var state: String? { json?["state"] as? String }
    var attempts: Int? { json?["attempts"] as? Int }
    var id: String? { json?["id"] as? String }
    var description: String { "\(directory)/\(name) (state \(state ?? "unparsable"), attempts \(attempts.map(String.init) ?? "?"))" }
}

/// Every directory a job file can be in.
let crashStateDirectories = JobState.allCases.map(\.directory) + ["waiting"]

/// The exit status `TempSpool.run` reports for a process killed by SIGKILL (a crash point hit).
let killedBySIGKILL: Int32 = 128 + SIGKILL

extension TempSpool {
    /// Every copy of every job, by id (the id from the file name, as the queue names it).
    func allJobCopies() -> [String: [JobCopy]] {
        var out: [String: [JobCopy]] = [:]
        for dir in crashStateDirectories {
            let state = JobState(rawValue: dir)
            for name in files(dir) where !JobFileName.isForeignTemporary(name) {
                let id = state.flatMap { JobFileName.id(of: name, in: $0)?.rawValue }
                    ?? (name.hasSuffix(".json") ? String(name.dropLast(5)) : name)
                let data = FileManager.default.contents(atPath: "\(root)/\(dir)/\(name)") ?? Data()
                let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
                out[id, default: []].append(JobCopy(directory: dir, name: name, json: json))
            }
        }
        return out
    }

    /// The copies of one job.
    func copies(of id: String) -> [JobCopy] { allJobCopies()[id] ?? [] }

    /// Problems with the spool's job files: a file that does not parse, whose JSON id differs
    /// from its name, or whose JSON state differs from its directory. Empty when consistent.
    func jobFileProblems() -> [String] {
        var problems: [String] = []
        for (id, copies) in allJobCopies() {
            for c in copies {
                guard c.json != nil else { problems.append("\(c.directory)/\(c.name) does not parse"); continue }
                if c.id != id { problems.append("\(c.directory)/\(c.name): JSON id \(c.id ?? "nil") differs from its name") }
                if c.state != c.directory { problems.append("\(c.directory)/\(c.name): JSON state \(c.state ?? "nil") differs from its directory") }
            }
        }
        return problems.sorted()
    }

    /// Lines of a ledger file in the scratch directory (jobs append their id to it).
    func ledgerLines(_ name: String = "ledger") -> [String] {
        let text = (try? String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// Absolute path of a file in the scratch directory (outside the spool).
    var ledgerPath: String { "\(dir)/ledger" }
}

/// Looks an executable up in PATH; nil when absent.
func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Runs a program (not queuectl) to completion with stdout and stderr in one file.
/// - Returns: the exit code (128 + signal when killed; -1 on timeout, after killing it) and the output.
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                in dir: String, timeout: Double) -> (code: Int32, output: String) {
    let outPath = "\(dir)/prog-\(UInt32.random(in: 0...UInt32.max)).out"
    guard let child = try? ChildProcess.spawn(executable, arguments, stdout: outPath, stderr: nil,
                                              environment: environment, newProcessGroup: true) else {
        return (-1, "cannot start \(executable)")
    }
    let t = child.wait(untilMonotonicNanos: MonotonicClock.nanos() + UInt64(timeout * 1e9))
    let code: Int32
    switch t {
    case .exited(let c)?: code = c
    case .signaled(let s)?: code = 128 + s
    case nil:
        kill(-child.pid, SIGKILL)
        _ = child.wait(untilMonotonicNanos: MonotonicClock.nanos() + 5_000_000_000)
        code = -1
    }
    let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    return (code, output)
}
