import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

@Suite("bad usage and invalid input: exit 2, one stderr line, nothing changed")
struct UsageErrorTests {
    static let badUsage: [[String]] = [
        ["frobnicate"],
        ["--no-such-global", "status"],
        ["enqueue"],
        ["enqueue", "--command"],
        ["enqueue", "--command", "true", "--bogus"],
        ["enqueue", "--command", "true", "extra"],
        ["enqueue", "--command", "true", "--command", "false"],
        ["enqueue", "--command", "true", "--priority", "10000"],
        ["enqueue", "--command", "true", "--priority", "high"],
        ["enqueue", "--command", "true", "--max-retries", "-1"],
        ["enqueue", "--command", "true", "--delay", "-5"],
        ["enqueue", "--command", "true", "--delay", "nan"],
        ["enqueue", "--command", "true", "--timeout", "inf"],
        ["enqueue", "--command", "true", "--run-at", "tomorrow"],
        ["enqueue", "--command", "true", "--run-at", "2030-01-01T00:00:00"],
        ["enqueue", "--command", "true", "--delay", "5", "--run-at", "2030-01-01T00:00:00Z"],
        ["enqueue", "--command", ""],
        ["enqueue", "-", "--id", "x"],
        ["enqueue", "{\"command\":\"true\"}", "{\"command\":\"true\"}"],
        ["worker"],
        ["worker", "fly"],
        ["worker", "start", "--count", "0"],
        ["worker", "start", "--count", "1025"],
        ["worker", "start", "--exit-when-idle=yes"],
        ["config", "set", "max_retries"],
        ["config", "set", "no_such_key", "1"],
        ["config", "set", "max_retries", "-1"],
        ["config", "set", "time_unit", "0"],
        ["config", "set", "backoff_base", "abc"],
        ["config", "set", "allow_shared_spool", "maybe"],
        ["config", "get", "nope"],
        ["dlq"],
        ["dlq", "retry"],
        ["delete"],
        ["show"],
        ["show", "a", "b"],
        ["list", "--state", "sideways"],
        ["list", "--limit", "-1"],
        ["status", "--json=1"],
    ]

    static let invalidJSON: [String] = [
        "{",
        "not json",
        "[]",
        "\"a string\"",
        "42",
        "{}",
        #"{"command":""}"#,
        #"{"command":5}"#,
        #"{"command":null}"#,
        #"{"command":"true","id":""}"#,
        #"{"command":"true","id":7}"#,
        #"{"command":"true","priority":"high"}"#,
        #"{"command":"true","priority":10000}"#,
        #"{"command":"true","priority":1.5}"#,
        #"{"command":"true","max_retries":-1}"#,
        #"{"command":"true","run_at":"tomorrow"}"#,
        #"{"command":"true","timeout":-3}"#,
        #"{"command":"true","state":"exploded"}"#,
        #"{"command":"true","after":"x"}"#,
        #"{"command":"a\u0000b"}"#,
        #"{"command":"true"} trailing"#,
    ]

    /// A spool with one pending job and a config file, to compare before and after.
    func prepared() -> TempSpool {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"existing","command":"echo still here"}"#)
        return s
    }

    func expectUsageError(_ s: TempSpool, _ args: [String], stdin: String? = nil,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        let before = s.deepSnapshot()
        let r = s.run(args, stdin: stdin)
        #expect(r.code == 2, "\(args): \(r)", sourceLocation: sourceLocation)
        #expect(r.out.isEmpty, "\(args): \(r)", sourceLocation: sourceLocation)
        let errLines = r.err.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(errLines.count == 2 && errLines[1].isEmpty && errLines[0].hasPrefix("queuectl"),
                "\(args): stderr must be one line: \(r.err)", sourceLocation: sourceLocation)
        #expect(s.deepSnapshot() == before, "\(args) changed the spool", sourceLocation: sourceLocation)
    }

    @Test(arguments: badUsage)
    func badUsageExits2AndChangesNothing(_ args: [String]) {
        let s = prepared()
        expectUsageError(s, args)
    }

    @Test(arguments: invalidJSON)
    func invalidJSONExits2AndChangesNothing(_ json: String) {
        let s = prepared()
        expectUsageError(s, ["enqueue", json])
        // The same object on stdin and in a job file.
        expectUsageError(s, ["enqueue", "-"], stdin: json + "\n")
        s.write(s.scratch("job.json"), json)
        expectUsageError(s, ["enqueue", "--job-file", s.scratch("job.json")])
    }

    @Test func invalidJSONMessagesSayWhatIsWrong() {
        let s = prepared()
        let cases: [(String, String)] = [
            ("{", "invalid job JSON"),
            ("[]", "must be an object"),
            (#"{"id":"x"}"#, "'command' is required"),
            (#"{"command":"true","priority":"high"}"#, "'priority' must be an integer"),
            (#"{"command":"true","run_at":"tomorrow"}"#, "'run_at' must be an ISO-8601 time"),
            (#"{"command":"a\u0000b"}"#, "NUL"),
        ]
        for (json, fragment) in cases {
            let r = s.run("enqueue", json)
            #expect(r.code == 2)
            #expect(r.err.hasPrefix("queuectl enqueue: ") && r.err.contains(fragment), "\(json): \(r.err)")
        }
    }

    @Test func usageErrorDoesNotCreateASpool() {
        let s = TempSpool()
        for args in [["enqueue", "{"], ["enqueue", "--priority", "x", "--command", "true"], ["config", "set", "nope", "1"], ["bogus"]] {
            let r = s.run(args)
            #expect(r.code == 2, "\(args): \(r)")
            #expect(!FileManager.default.fileExists(atPath: s.root), "\(args) created the spool")
        }
    }

    @Test func failedOperationsExit1AndChangeNothing() {
        let s = prepared()
        let cases: [([String], String)] = [
            (["show", "ghost"], "no such job: ghost"),
            (["delete", "ghost"], "no such job: ghost"),
            (["logs", "ghost"], "no such job: ghost"),
            (["dlq", "retry", "existing"], "not dead"),
            (["release", "existing"], "not held"),
            (["retry", "existing"], "not failed"),
        ]
        for (args, fragment) in cases {
            let before = s.deepSnapshot()
            let r = s.run(args)
            #expect(r.code == 1, "\(args): \(r)")
            #expect(r.err.contains(fragment), "\(args): \(r.err)")
            #expect(r.err.split(separator: "\n").count == 1)
            #expect(s.deepSnapshot() == before, "\(args) changed the spool")
        }
    }

    @Test func helpIsNotAnError() {
        let s = TempSpool()
        for args in [["--help"], ["help"], ["enqueue", "--help"], ["worker", "start", "--help"], ["config", "--help"]] {
            let r = s.run(args)
            #expect(r.code == 0, "\(args): \(r)")
            #expect(r.out.contains("usage: queuectl"), "\(args)")
            #expect(r.err.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: s.root))
    }
}
