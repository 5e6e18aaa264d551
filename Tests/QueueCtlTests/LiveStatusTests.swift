import Foundation
import Testing
import QueueCore
import QueueSystem
#if canImport(Glibc)
import Glibc
#endif

/// `status --watch`: redraws under a real pseudo-terminal, plain lines otherwise; SIGINT and
/// SIGTERM end it with exit 0.
@Suite(.serialized) struct LiveStatusTests {
    @Test func watchRedrawsInPlaceOnATerminal() throws {
        let s = TempSpool()
        s.fast()
        let stop = s.scratch("stop-watch")
        let watch = s.startOnPty(["status", "--watch", "--interval", "0.1"], stopFile: stop)
        #expect(watch.waitFor("pending 0"), "\(watch.output)")
        s.enqueue(#"{"id":"a","command":"true"}"#)
        s.enqueue(#"{"id":"b","command":"true"}"#)
        #expect(watch.waitFor("pending 2"), "counts did not change: \(watch.output)")
        // A running job shows with its elapsed time.
        s.enqueue(#"{"id":"slow","command":"\#(s.waitForGate("go"))","priority":9}"#)
        let w = s.startWorker(["--count", "1"])
        #expect(watch.waitFor("ELAPSED"), "\(watch.output)")
        #expect(eventually { watch.output.contains("slow  ") }, "\(watch.output)")
        s.openGate("go")
        w.stop()
        s.write(stop, "")
        #expect(watch.wait(timeout: 20) == 0, "\(watch.output) \(watch.errors)")
        let out = watch.output
        #expect(out.hasPrefix("\u{1B}[?1049h"), "no alternate screen: \(out.prefix(40).debugDescription)")
        #expect(out.components(separatedBy: "\u{1B}[H\u{1B}[2J").count > 3, "not redrawn in place")
        #expect(out.hasSuffix("\u{1B}[?25h\u{1B}[?1049l"), "screen not restored: \(out.suffix(40).debugDescription)")
        #expect(out.contains("\u{1B}[32mcompleted"), "no colour on a terminal")
    }

    @Test func watchPrintsPlainLinesWhenNotATerminal() throws {
        let s = TempSpool()
        s.fast()
        let watch = s.start(["status", "--watch", "--interval", "0.1"])
        #expect(eventually { watch.output.split(separator: "\n").count >= 2 }, "\(watch.output)")
        s.enqueue(#"{"id":"a","command":"true"}"#)
        #expect(watch.waitFor(" pending=1 "), "\(watch.output)")
        watch.signal(SIGTERM)
        #expect(watch.wait(timeout: 20) == 0, "\(watch.errors)")
        let out = watch.output
        #expect(!out.contains(ESC), "escape sequences in piped output")
        for line in out.split(separator: "\n") {
            let words = line.split(separator: " ")
            #expect(Timestamp(iso8601: String(words[0])) != nil, "\(line)")
            #expect(words.dropFirst().first == "pending=0" || words.dropFirst().first == "pending=1", "\(line)")
            #expect(line.contains(" processing=0 completed=0 failed=0 dead=0 held=0 waiting=0 paused=no "), "\(line)")
        }
    }

    @Test func watchEndsWhenItsReaderGoesAway() throws {
        let s = TempSpool()
        #expect(s.run(["status"]).code == 0)
        let out = s.scratch("head.out")
        let child = try ChildProcess.spawn("/bin/sh", ["-c", "'\(QueueCtlBinary.path)' --spool '\(s.root)' status --watch --interval 0.05 | head -2"],
                                           stdout: out, stderr: nil, newProcessGroup: true)
        let r = RunningProcess(child: child, outPath: out, errPath: out)
        #expect(r.wait(timeout: 20) == 0, "status --watch kept running after head exited: \(r.output)")
        #expect(r.output.split(separator: "\n").filter { $0.contains("pending=0") }.count == 2, "\(r.output)")
    }

    @Test func watchSIGINTExitsZero() throws {
        let s = TempSpool()
        let watch = s.start(["status", "--watch"])
        #expect(watch.waitFor("pending=0"), "\(watch.output)")
        watch.signal(SIGINT)
        #expect(watch.wait(timeout: 20) == 0)
    }

    @Test func watchOptionsAreValidated() throws {
        let s = TempSpool()
        let cases: [([String], String)] = [
            (["status", "--watch", "--interval", "0"], "--interval must be"), (["status", "--watch", "--interval", "abc"], "--interval must be"),
            (["status", "--watch", "--interval", "-1"], "--interval must be"), (["status", "--watch", "--interval", "99999"], "--interval must be"),
            (["status", "--interval", "1"], "--interval needs --watch"), (["status", "--watch", "--json"], "cannot be combined"),
        ]
        for (args, message) in cases {
            let r = s.run(args)
            #expect(r.code == 2 && r.err.contains(message) && r.out.isEmpty, "\(args): \(r)")
        }
    }
}
