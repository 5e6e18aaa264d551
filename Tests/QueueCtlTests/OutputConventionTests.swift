import Foundation
import Testing
import QueueCore

/// Colour only on a terminal (never with NO_COLOR or --no-color), JSON lines for job lists,
/// aligned tables with relative ages on a terminal (TSV otherwise), progress only on a terminal
/// with a summary always.
@Suite(.serialized) struct OutputConventionTests {
    @Test func colourOnlyOnATerminalAndNeverWithNoColor() throws {
        let s = TempSpool()
        s.enqueue(#"{"id":"c1","command":"true"}"#)
        #expect(s.run(["worker", "start", "--exit-when-idle"]).code == 0)
        // Piped: no escape sequences anywhere.
        for args in [["status"], ["list"], ["dlq", "list"], ["list", "--json"], ["show", "nosuch"]] {
            let r = s.run(args)
            #expect(!r.out.contains(ESC) && !r.err.contains(ESC), "\(args): \(r)")
        }
        // On a terminal: states in colour, errors in red.
        let status = s.runOnPty(["status"])
        #expect(status.code == 0 && status.out.contains("\u{1B}[32mcompleted"), "\(status.out.debugDescription)")
        let list = s.runOnPty(["list"])
        #expect(list.out.contains("\u{1B}[32mcompleted"), "\(list.out.debugDescription)")
        let error = s.runOnPty(["show", "nosuch"])
        #expect(error.code == 1 && error.out.contains("\u{1B}[31mqueuectl show: "), "\(error.out.debugDescription)")
        // NO_COLOR (any non-empty value) and --no-color turn it off, even on a terminal.
        for (env, args) in [(["NO_COLOR": "1"], ["status"]), (["NO_COLOR": "yes"], ["list"]), ([:], ["--no-color", "status"]),
                            ([:], ["--no-color", "list"]), (["NO_COLOR": "1"], ["show", "nosuch"])] {
            let r = s.runOnPty(args, env: env)
            #expect(r.out.contains("c1") || r.out.contains("completed") || r.out.contains("nosuch"), "\(args): \(r)")
            #expect(!r.out.contains(ESC), "\(env) \(args): \(r.out.debugDescription)")
        }
        // An empty NO_COLOR does not count.
        #expect(s.runOnPty(["status"], env: ["NO_COLOR": ""]).out.contains(ESC))
    }

    @Test func jobListsAreJSONLines() throws {
        let s = TempSpool()
        s.fast(["max_retries": "0"])
        for i in 1...3 { s.enqueue(#"{"id":"j\#(i)","command":"true"}"#) }
        s.enqueue(#"{"id":"bad","command":"exit 3"}"#)
        #expect(s.run(["worker", "start", "--exit-when-idle"]).code == 0)
        s.enqueue(#"{"id":"later","command":"true","run_at":"2030-01-01T00:00:00Z"}"#)
        let list = s.run(["list", "--json"])
        #expect(list.code == 0)
        #expect(list.lines.count == 5, "\(list)")
        for line in list.lines {
            let o = parseJSON(line) as? [String: Any]
            #expect(o?["id"] is String, "not one object per line: \(line)")
            #expect(o.flatMap { $0["created_at"] as? String }.flatMap { Timestamp(iso8601: $0) } != nil, "\(line)")
        }
        let dead = s.run(["dlq", "list", "--json"])
        #expect(parseJSONLines(dead.out)?.map { $0["id"] as? String } == ["bad"], "\(dead)")
        #expect(dead.lines.count == 1)
        let none = s.run(["list", "--state", "held", "--json"])
        #expect(none.code == 0 && none.out.isEmpty, "\(none)")
        #expect(s.run(["archive", "--older-than", "0"]).code == 0)
        let archived = s.run(["list", "--archived", "--json"])
        #expect(archived.lines.count == 4 && parseJSONLines(archived.out)?.count == 4, "\(archived)")
    }

    @Test func tablesAlignOnATerminalAndStayTabSeparatedInPipes() throws {
        let s = TempSpool()
        s.enqueue(#"{"id":"short","command":"true"}"#)
        s.enqueue(#"{"id":"a-much-longer-id","command":"true","run_at":"2099-01-01T00:00:00Z"}"#)
        let piped = s.run(["list"])
        #expect(piped.lines.first == "ID\tSTATE\tATTEMPTS\tPRIORITY\tRUN_AT\tCOMMAND", "\(piped)")
        #expect(piped.lines.dropFirst().allSatisfy { $0.split(separator: "\t").count == 6 && $0.contains("Z\t") }, "\(piped)")
        let tty = s.runOnPty(["--no-color", "list"])
        let lines = tty.out.replacingOccurrences(of: "\r", with: "").split(separator: "\n").map(String.init)
        #expect(lines.count == 3 && !tty.out.contains("\t"), "\(tty.out.debugDescription)")
        // Columns start at the same offset on every line.
        let stateColumn = lines.map { $0.range(of: "STATE") ?? $0.range(of: "pending") }
        #expect(Set(stateColumn.map { $0.map { $0.lowerBound.utf16Offset(in: lines[0]) } ?? -1 }).count == 1, "\(lines)")
        #expect(lines.contains { $0.contains(" ago ") || $0.contains("just now") }, "\(lines)")
        #expect(lines.contains { $0.contains(" in ") && $0.hasPrefix("a-much-longer-id") }, "\(lines)")
    }

    @Test func progressOnlyOnATerminalAndASummaryAlways() throws {
        let s = TempSpool()
        let n = 3000
        let input = String(repeating: #"{"command":"true"}"# + "\n", count: n)
        // Not a terminal: ids on stdout only, one summary line on stderr, no \r, no escapes.
        let piped = s.run(["enqueue", "-"], stdin: input)
        #expect(piped.code == 0 && piped.lines.count == n, "\(piped.err)")
        #expect(piped.err.hasPrefix("enqueued \(n) jobs in ") && piped.err.split(separator: "\n").count == 1, "\(piped.err)")
        #expect(!piped.err.contains("\r") && !piped.err.contains(ESC))
        // A terminal on stderr (stdout to a file): progress lines rewritten with \r, then the summary.
        let inPath = s.scratch("jobs.jsonl"), idsPath = s.scratch("ids")
        s.write(inPath, input)
        let tty = s.runOnPty(["enqueue", "-"], shellSuffix: "< '\(inPath)' > '\(idsPath)'")
        #expect(tty.code == 0, "\(tty)")
        #expect(tty.out.contains("\r\u{1B}[Kenqueue: "), "no progress line: \(tty.out.prefix(200).debugDescription)")
        #expect(tty.out.contains("enqueued \(n) jobs in "), "\(tty.out.suffix(200).debugDescription)")
        let ids = s.read(idsPath)
        #expect(ids.split(separator: "\n").count == n && !ids.contains(ESC), "stdout must carry only the ids")
        // fsck over those 6000 jobs: progress on a terminal only; the stdout verdict always.
        let fsckTTY = s.runOnPty(["fsck"])
        #expect(fsckTTY.code == 0 && fsckTTY.out.contains("\r\u{1B}[Kfsck: checked ") && fsckTTY.out.contains("clean"), "\(fsckTTY.out.suffix(200).debugDescription)")
        let fsckPiped = s.run(["fsck"])
        #expect(fsckPiped.out == "clean\n" && fsckPiped.err.isEmpty, "\(fsckPiped)")
        // purge of 3000 completed jobs (files made from a real completed one).
        let c = TempSpool()
        c.enqueue(#"{"id":"tpl","command":"true"}"#)
        #expect(c.run(["worker", "start", "--exit-when-idle"]).code == 0)
        let template = c.read(c.path("completed/tpl.json"))
        for i in 0..<3000 { c.write(c.path("completed/c\(i).json"), template.replacingOccurrences(of: "\"tpl\"", with: "\"c\(i)\"")) }
        let purge = c.runOnPty(["purge", "--older-than", "0"])
        #expect(purge.out.contains("\r\u{1B}[Kpurge: completed: examined ") && purge.out.contains("purged 3001 jobs"), "\(purge.out.suffix(300).debugDescription)")
        // dlq retry --all: the summary on stderr.
        let d = TempSpool()
        d.fast(["max_retries": "0"])
        d.enqueue(#"{"id":"d1","command":"exit 1"}"#)
        #expect(d.run(["worker", "start", "--exit-when-idle"]).code == 0)
        let retry = d.run(["dlq", "retry", "--all"])
        #expect(retry.code == 0 && retry.out == "d1\n" && retry.err.hasPrefix("retried 1 of 1 dead job in "), "\(retry)")
    }
}
