import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Issue 3: hostile ids, argv, and files dropped into the spool.
@Suite("hostile input")
struct HostileInputTests {
    struct BadID: Sendable, CustomTestStringConvertible {
        var raw: String
        var why: String
        var testDescription: String {
            String(raw.unicodeScalars.map { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) ? "\\u{\(String($0.value, radix: 16))}" : String($0) }
                .joined().prefix(40))
        }
    }

    static let badIDs: [BadID] = [
        BadID(raw: "a/b", why: "it contains '/'"),
        BadID(raw: "../../etc/passwd", why: "it contains '/'"),
        BadID(raw: "/abs", why: "it contains '/'"),
        BadID(raw: "..", why: "it contains '..'"),
        BadID(raw: "a..b", why: "it contains '..'"),
        BadID(raw: ".hidden", why: "it starts with '.'"),
        BadID(raw: "-rf", why: "it starts with '-'"),
        BadID(raw: "a\u{1}b", why: "it contains a control character"),
        BadID(raw: "tab\there", why: "it contains a control character"),
        BadID(raw: "new\nline", why: "it contains a control character"),
        BadID(raw: "esc\u{1b}[31m", why: "it contains a control character"),
        BadID(raw: "del\u{7f}", why: "it contains a control character"),
        BadID(raw: "c1\u{85}x", why: "it contains a control character"),
        BadID(raw: "a b", why: "it contains white space"),
        BadID(raw: "nbsp\u{a0}x", why: "it contains white space"),
        BadID(raw: String(repeating: "x", count: 129), why: "it is longer than 128 bytes"),
        BadID(raw: String(repeating: "é", count: 65), why: "it is longer than 128 bytes"),  // 65 characters, 130 bytes
        BadID(raw: "x.json", why: "it ends in .json or .tmp"),
        BadID(raw: "x.tmp", why: "it ends in .json or .tmp"),
    ]

    /// A spool with a normal job waiting, to check that it is unaffected.
    func prepared() -> TempSpool {
        let s = TempSpool()
        s.fast()
        s.enqueue(#"{"id":"bystander","command":"echo unaffected"}"#)
        return s
    }

    func expectBystanderRuns(_ s: TempSpool, sourceLocation: SourceLocation = #_sourceLocation) {
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)", sourceLocation: sourceLocation)
        #expect(s.job("bystander")?["state"] as? String == "completed", sourceLocation: sourceLocation)
        #expect(s.run("logs", "bystander").out == "unaffected\n", sourceLocation: sourceLocation)
    }

    @Test(arguments: badIDs)
    func hostileIDIsRefusedEverywhere(_ bad: BadID) throws {
        let s = prepared()
        let before = s.deepSnapshot()
        let json = String(data: try JSONSerialization.data(withJSONObject: ["id": bad.raw, "command": "touch PWNED"]), encoding: .utf8)!
        let attempts: [[String]] = [
            ["enqueue", "--id", bad.raw, "--command", "touch PWNED"],
            ["enqueue", json],
            ["enqueue", "--command", "true", "--after", bad.raw],
            ["show", "--", bad.raw],
            ["delete", "--", bad.raw],
            ["logs", "--", bad.raw],
            ["hold", "--", bad.raw],
            ["dlq", "retry", "--", bad.raw],
        ]
        for args in attempts {
            let r = s.run(args)
            #expect(r.code == 2, "\(args): \(r)")
            #expect(r.err.contains("invalid job id"), "\(args): \(r.err)")
            #expect(r.err.hasSuffix(": \(bad.why)\n"), "\(args): \(r.err)")
            #expect(r.err.split(separator: "\n").count == 1, "\(r.err)")
            #expect(r.out.isEmpty)
        }
        // Also as a line of a batch: nothing of the batch is enqueued.
        let batch = s.run(["enqueue", "-"], stdin: #"{"id":"fine","command":"true"}"# + "\n" + json + "\n")
        #expect(batch.code == 2, "\(batch)")
        #expect(batch.err.contains("line 2") && batch.err.contains(bad.why), "\(batch.err)")
        #expect(s.deepSnapshot() == before)
        #expect(!FileManager.default.fileExists(atPath: s.scratch("PWNED")))
        expectBystanderRuns(s)
    }

    @Test func idOfExactly128BytesIsAccepted() throws {
        let s = prepared()
        let id = String(repeating: "é", count: 64)  // 128 bytes
        let r = s.run("enqueue", "--id", id, "--command", "echo long")
        #expect(r.code == 0, "\(r)")
        #expect(r.out == id + "\n")
        expectBystanderRuns(s)
        #expect(s.job(id)?["state"] as? String == "completed")
    }

    @Test func controlCharactersAreEscapedInTheMessage() {
        let s = prepared()
        let r = s.run("enqueue", "--id", "a\u{1b}[2Jb", "--command", "true")
        #expect(r.code == 2)
        // The terminal escape is not echoed raw.
        #expect(!r.err.contains("\u{1b}"), "\(r.err.debugDescription)")
    }

    @Test
    func controlCharacterEscapesAreUnambiguous() {
        let s = prepared()
        let r = s.run("enqueue", "--id", "a\u{1}b", "--command", "true")
        #expect(r.code == 2)
        #expect(r.err.contains(#"'a\x01b'"#), "\(r.err)")
        let tab = s.run("enqueue", "--id", "tab\there", "--command", "true")
        #expect(tab.err.contains(#"'tab\x09here'"#), "\(tab.err)")
    }

    // MARK: - argv that is not UTF-8

    @Test func nonUTF8ArgvIsRefused() {
        let s = prepared()
        let before = s.deepSnapshot()
        let root = Array(s.root.utf8)
        let cases: [[[UInt8]]] = [
            [Array("--spool".utf8), root, Array("enqueue".utf8), Array("--id".utf8), [0x61, 0xff, 0x62], Array("--command".utf8), Array("true".utf8)],
            [Array("--spool".utf8), root, Array("enqueue".utf8), Array("--command".utf8), Array("echo ".utf8) + [0xc3, 0x28]],
            [Array("--spool".utf8), root, Array("enqueue".utf8), Array(#"{"command":"echo "#.utf8) + [0xfe] + Array(#""}"#.utf8)],
            [Array("--spool".utf8), root, Array("show".utf8), [0xed, 0xa0, 0x80]],  // an encoded surrogate
            [Array("--spool".utf8), root + [0xff], Array("status".utf8)],
        ]
        for argv in cases {
            let r = runRaw(argv, dir: s.dir)
            #expect(r.code == 2, "\(r)")
            #expect(r.err.contains("not valid UTF-8"), "\(r.err)")
            #expect(r.err.split(separator: "\n").count == 1)
            #expect(r.out.isEmpty)
        }
        #expect(s.deepSnapshot() == before)
        #expect(!FileManager.default.fileExists(atPath: s.root + "\u{FFFD}"))
        expectBystanderRuns(s)
    }

    @Test func nonUTF8InputFilesAndStdinAreRefused() {
        let s = prepared()
        let before = s.deepSnapshot()
        let bad: [UInt8] = Array(#"{"command":"echo "#.utf8) + [0xff, 0xfe] + Array(#""}"#.utf8)
        s.write(s.scratch("job.json"), bytes: bad)
        s.write(s.scratch("cmd.sh"), bytes: [0x65, 0x63, 0x68, 0x6f, 0x20, 0xff])
        let r1 = s.run("enqueue", "--job-file", s.scratch("job.json"))
        #expect(r1.code == 2 && r1.err.contains("not valid UTF-8"), "\(r1)")
        let r2 = s.run("enqueue", "--command-file", s.scratch("cmd.sh"))
        #expect(r2.code == 2 && r2.err.contains("not valid UTF-8"), "\(r2)")
        // JSON lines on stdin with a bad byte on line 2: nothing is enqueued.
        s.write(s.scratch("lines"), bytes: Array(#"{"id":"ok1","command":"true"}"#.utf8) + [0x0a] + bad + [0x0a])
        let r3 = runRaw([Array("--spool".utf8), Array(s.root.utf8), Array("enqueue".utf8), Array("-".utf8)], dir: s.dir, stdin: s.scratch("lines"))
        #expect(r3.code == 2, "\(r3)")
        #expect(r3.err.contains("line 2") && r3.err.contains("not valid UTF-8"), "\(r3.err)")
        #expect(s.deepSnapshot() == before)
        expectBystanderRuns(s)
    }

    // MARK: - files dropped into pending/

    @Test func symlinkFifoAndDirectoryAreQuarantinedNeverFollowed() throws {
        let s = prepared()
        let outside = s.scratch("outside.json")
        // A valid job outside the spool: if the symlink were followed it would be adopted and run.
        s.write(outside, #"{"id":"evil","command":"touch '\#(s.scratch("PWNED"))'"}"#)
        var st0 = stat()
        lstat(outside, &st0)
        let outsideBefore = try Data(contentsOf: URL(fileURLWithPath: outside))
        #expect(symlink(outside, s.path("pending/link.json")) == 0)
        #expect(symlink(s.scratch("missing"), s.path("pending/dangling.json")) == 0)
        #expect(mkfifo(s.path("pending/fifo.json"), 0o644) == 0)
        #expect(mkdir(s.path("pending/dir.json"), 0o755) == 0)
        s.write(s.path("pending/dir.json/inner.json"), #"{"command":"true"}"#)

        expectBystanderRuns(s)

        #expect(s.files("pending").isEmpty, "\(s.files("pending"))")
        let q = s.quarantined
        #expect(q.count == 4, "\(q)")
        let reasons: [String: String] = ["link.json": "not a regular file (symlink)", "dangling.json": "not a regular file (symlink)",
                                         "fifo.json": "not a regular file (fifo)", "dir.json": "not a regular file (directory)"]
        for (name, reason) in reasons {
            let moved = try #require(q.first { $0.hasSuffix(".\(name)") }, "\(name) not in corrupt/: \(q)")
            // corrupt/<compact time>.<original name>
            let stamp = moved.prefix(22)
            #expect(Timestamp(compact: stamp) != nil && moved == "\(stamp).\(name)", "\(moved)")
            let text = s.read(s.path("corrupt/\(moved).reason"))
            #expect(text.contains("quarantined pending/\(name): \(reason)"), "\(name): \(text)")
        }
        // The quarantined entries are still what they were (renamed, not opened or followed).
        let link = try #require(q.first { $0.hasSuffix(".link.json") })
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: s.path("corrupt/\(link)"))) == outside)
        let dir = try #require(q.first { $0.hasSuffix(".dir.json") })
        #expect(FileManager.default.fileExists(atPath: s.path("corrupt/\(dir)/inner.json")))
        // The target outside the spool is untouched, and nothing ran it.
        var st1 = stat()
        lstat(outside, &st1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: outside)) == outsideBefore)
        #expect(st1.st_mtim.tv_sec == st0.st_mtim.tv_sec && st1.st_mtim.tv_nsec == st0.st_mtim.tv_nsec)
        #expect(!FileManager.default.fileExists(atPath: s.scratch("PWNED")))
        #expect(s.job("evil") == nil)
        #expect(s.ids(in: .completed) == ["bystander"])
    }

    @Test func fileOverOneMiBIsQuarantinedEvenIfValid() throws {
        let s = prepared()
        let pad = String(repeating: "x", count: 1 << 20)
        s.write(s.path("pending/huge.json"), #"{"id":"huge","command":"touch '\#(s.scratch("PWNED"))'","pad":"\#(pad)"}"#)
        expectBystanderRuns(s)
        let moved = try #require(s.quarantined.first { $0.hasSuffix(".huge.json") }, "\(s.files("corrupt"))")
        #expect(s.read(s.path("corrupt/\(moved).reason")).contains("larger than 1048576 bytes"))
        #expect(s.job("huge") == nil)
        #expect(!FileManager.default.fileExists(atPath: s.scratch("PWNED")))
        // The same through --job-file: refused with exit 2.
        let path = s.scratch("huge.json")
        s.write(path, #"{"command":"true","pad":"\#(pad)"}"#)
        let r = s.run("enqueue", "--job-file", path)
        #expect(r.code == 2 && r.err.contains("larger than"), "\(r)")
    }

    @Test func malformedDropIsQuarantinedOnlyAfterDropGrace() throws {
        let s = prepared()
        #expect(s.run("config", "set", "drop_grace", "0.6").code == 0)
        let t0 = wallNow()
        s.write(s.path("pending/bad.json"), #"{"command": "echo half"#)
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(eventually { s.job("bystander")?["state"] as? String == "completed" })
        // Young: left alone (checked only while we are clearly inside the grace period).
        if wallNow() - t0 < 0.4 {
            #expect(s.files("pending") == ["bad.json"])
            #expect(s.quarantined.isEmpty)
        }
        #expect(eventually(timeout: 10) { !s.quarantined.isEmpty })
        #expect(w.stop() == 0)
        let moved = try #require(s.quarantined.first)
        #expect(moved.hasSuffix(".bad.json"))
        // The quarantine time (in the name) is at least drop_grace after the file's last write.
        var st = stat()
        lstat(s.path("corrupt/\(moved)"), &st)
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        let quarantinedAt = try #require(Timestamp(compact: moved.prefix(22))).secondsSinceEpoch
        #expect(quarantinedAt - mtime >= 0.6 - 0.002, "quarantined \(quarantinedAt - mtime) s after the last write")
        let reason = s.read(s.path("corrupt/\(moved).reason"))
        #expect(reason.contains("quarantined pending/bad.json: invalid job JSON"), "\(reason)")
        #expect(s.read(s.path("corrupt/\(moved)")) == #"{"command": "echo half"#)
        #expect(w.output.contains("dropped file bad.json: quarantined"))
        #expect(s.files("pending").isEmpty)
    }

    @Test func dropStillBeingWrittenIsAdoptedOnceComplete() throws {
        let s = prepared()
        #expect(s.run("config", "set", "drop_grace", "5").code == 0)
        let p = s.path("pending/slow-writer.json")
        s.write(p, #"{"command": "echo wri"#)
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(eventually { s.job("bystander")?["state"] as? String == "completed" })
        #expect(s.files("pending") == ["slow-writer.json"])
        s.write(p, #"{"command": "echo written"}"#)
        #expect(eventually(timeout: 10) { s.job("slow-writer")?["state"] as? String == "completed" })
        #expect(w.stop() == 0)
        #expect(s.quarantined.isEmpty)
        #expect(s.run("logs", "slow-writer").out == "written\n")
    }

    @Test func invalidDropsAreQuarantinedWithTheirReason() throws {
        let s = prepared()
        #expect(s.run("config", "set", "drop_grace", "0").code == 0)
        let drops: [(String, [UInt8], String)] = [
            ("array.json", Array("[1,2]".utf8), "must be an object"),
            ("nocmd.json", Array(#"{"id":"nocmd"}"#.utf8), "'command' is required"),
            ("badid.json", Array(#"{"id":"../escape","command":"true"}"#.utf8), "invalid job id"),
            ("nul.json", Array(#"{"id":"a\u0000b","command":"true"}"#.utf8), "invalid job id"),
            ("latin1.json", Array(#"{"command":"echo "#.utf8) + [0xe9] + Array(#""}"#.utf8), "not valid UTF-8"),
            ("empty.json", [], "invalid job JSON"),
            ("clash.json", Array(#"{"id":"bystander","command":"echo impostor"}"#.utf8), "duplicate id 'bystander'"),
        ]
        for (name, bytes, _) in drops { s.write(s.path("pending/\(name)"), bytes: bytes) }
        expectBystanderRuns(s)
        #expect(s.files("pending").isEmpty, "\(s.files("pending"))")
        for (name, _, reason) in drops {
            let moved = try #require(s.quarantined.first { $0.hasSuffix(".\(name)") }, "\(name): \(s.files("corrupt"))")
            let text = s.read(s.path("corrupt/\(moved).reason"))
            #expect(text.contains("quarantined pending/\(name): ") && text.contains(reason), "\(name): \(text)")
        }
        #expect(s.ids(in: .completed) == ["bystander"])
        #expect(!s.run("logs", "bystander").out.contains("impostor"))
    }

    @Test func validDropsWithNonCanonicalNamesAreAdoptedAndRun() throws {
        let s = prepared()
        s.write(s.path("pending/from-cron.json"), #"{"command":"echo cron"}"#)  // id from the name
        s.write(s.path("pending/no extension"), #"{"id":"named","command":"echo named","priority":2}"#)
        s.write(s.path("pending/weird name!.json"), #"{"command":"echo generated"}"#)  // invalid stem: generated id
        s.write(s.path("pending/was-dead.json"), #"{"command":"echo again","state":"dead","attempts":7,"exit_code":3,"note":"kept"}"#)
        expectBystanderRuns(s)
        #expect(s.files("pending").isEmpty, "\(s.files("pending"))")
        #expect(s.quarantined.isEmpty, "\(s.files("corrupt"))")
        #expect(s.job("from-cron")?["state"] as? String == "completed")
        #expect(s.run("logs", "from-cron").out == "cron\n")
        #expect(s.job("named")?["state"] as? String == "completed")
        #expect(s.job("named")?["priority"] as? Int == 2)
        let was = try #require(s.job("was-dead"))
        #expect(was["state"] as? String == "completed")
        #expect(was["attempts"] as? Int == 1)
        #expect(was["note"] as? String == "kept")
        let completed = s.ids(in: .completed)
        #expect(completed.count == 5, "\(completed)")
        let generated = completed.filter { !["bystander", "from-cron", "named", "was-dead"].contains($0) }
        #expect(generated.count == 1)
        if let g = generated.first { #expect(s.run("logs", g).out == "generated\n") }
        // An adopted id is reserved like an enqueued one.
        #expect(s.run("enqueue", "--id", "from-cron", "--command", "true").code == 1)
    }

    @Test func dotfilesAndTmpFilesAreNeverTouched() throws {
        let s = prepared()
        #expect(s.run("config", "set", "drop_grace", "0").code == 0)
        let names = [".partial.json", ".hidden", "upload.tmp", "job.json.tmp", ".x.tmp"]
        for n in names { s.write(s.path("pending/\(n)"), n.hasPrefix(".p") ? #"{"command":"touch PWNED"}"# : "garbage {") }
        var before: [String: timespec] = [:]
        for n in names { var st = stat(); lstat(s.path("pending/\(n)"), &st); before[n] = st.st_mtim }
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(eventually { s.job("bystander")?["state"] as? String == "completed" })
        // Give it several rescans (poll_interval 0.2) to misbehave.
        usleep(700_000)
        #expect(w.stop() == 0)
        #expect(s.files("pending") == names.sorted())
        for n in names {
            var st = stat(); lstat(s.path("pending/\(n)"), &st)
            #expect(st.st_mtim.tv_sec == before[n]!.tv_sec && st.st_mtim.tv_nsec == before[n]!.tv_nsec, "\(n) was modified")
        }
        #expect(s.files("corrupt").isEmpty)
        #expect(!w.output.contains("dropped file"), "\(w.output)")
        let pendingList = s.run("list", "--state", "pending", "--json")
        #expect(pendingList.code == 0 && parseJSONLines(pendingList.out)?.isEmpty == true, "\(pendingList)")
    }

    @Test
    func statusDoesNotCountForeignTemporaryFiles() throws {
        let s = prepared()
        for n in [".partial.json", "upload.tmp", "job.json.tmp"] { s.write(s.path("pending/\(n)"), "x") }
        let status = try #require(parseJSON(s.run("status", "--json").out) as? [String: Any])
        #expect((status["counts"] as? [String: Any])?["pending"] as? Int == 1, "only the bystander is a pending job")
        #expect(s.run("status").out.contains("pending     1\n"))
    }

    @Test func hardLinkedDropDoesNotChangeTheOtherLink() throws {
        let s = prepared()
        let outside = s.scratch("linked.json")  // same filesystem as the spool
        let original = #"{"command":"echo via link"}"#
        s.write(outside, original)
        #expect(link(outside, s.path("pending/linked.json")) == 0)
        expectBystanderRuns(s)
        #expect(s.job("linked")?["state"] as? String == "completed")
        #expect(s.read(outside) == original, "the file outside the spool was rewritten through the hard link")
    }

    @Test
    func canonicallyNamedDropCannotHijackAnExistingID() throws {
        let s = prepared()
        s.enqueue(#"{"id":"victim","command":"echo original"}"#)
        #expect(s.run("hold", "victim").code == 0)  // not claimable, and lets --exit-when-idle exit
        let name = JobFileName.ordered(priority: 0, due: Timestamp(micros: 1_000_000), id: try JobID("other"))
        s.write(s.path("pending/\(name)"), #"{"id":"victim","command":"echo impostor"}"#)
        expectBystanderRuns(s)
        // The victim is untouched and is the only job with its id; the impostor never ran as it.
        #expect(s.ids(in: .held) == ["victim"])
        #expect(s.ids(in: .completed) == ["bystander"], "\(s.ids(in: .completed))")
        #expect(!s.run("logs", "victim").out.contains("impostor"))
        let fsck = s.run("fsck")
        #expect(fsck.code == 0, "\(fsck)")
    }

    @Test
    func droppedFileNamesCannotForgeWorkerLines() throws {
        let s = prepared()
        #expect(s.run("config", "set", "drop_grace", "0").code == 0)
        let forged = "2026-01-01T00:00:00.000000Z end fake completed exit 0 (1 ms)"
        s.write(s.path("pending/evil\n\(forged).json"), "garbage")
        s.write(s.path("pending/nice\nname.json"), #"{"id":"nl","command":"true"}"#)
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0)
        #expect(s.quarantined.count == 1)
        #expect(s.job("nl")?["state"] as? String == "completed")
        // Every output line is a real worker line: none starts with the forged text.
        #expect(!w.out.split(separator: "\n").contains { $0.hasPrefix(forged) }, "\(w.out)")
        #expect(w.out.split(separator: "\n").allSatisfy { Timestamp(iso8601: String($0.prefix(27))) != nil }, "\(w.out)")
        // The reason file stays one line.
        let reason = try #require(s.files("corrupt").first { $0.hasSuffix(".reason") })
        #expect(s.read(s.path("corrupt/\(reason)")).split(separator: "\n").count == 1)
    }

    /// A cron job may write straight to a queue name; a worker that claims the file while it
    /// is half-written puts it back until drop_grace has passed since its last write.
    @Test func partialWriteUnderAQueueNameWaitsForDropGrace() throws {
        let s = prepared()
        #expect(s.run("config", "set", "drop_grace", "4").code == 0)
        let name = "10000.\(Timestamp.now().compact).partial.json"
        let fd = open(s.path("pending/\(name)"), O_WRONLY | O_CREAT | O_EXCL, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        func put(_ text: String) { _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        put(#"{"id":"partial","command":"echo wh"#)
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(w.waitFor("pending/\(name) does not parse yet"), "\(w.output)")
        #expect(s.files("pending") == [name], "\(s.files("pending"))")
        #expect(s.quarantined.isEmpty, "\(s.files("corrupt"))")
        put(#"ole"}"#)
        #expect(eventually { s.job("partial")?["state"] as? String == "completed" }, "\(w.output)")
        #expect(s.run("logs", "partial").out == "whole\n")
        #expect(s.quarantined.isEmpty, "\(s.files("corrupt"))")
        #expect(s.job("bystander")?["state"] as? String == "completed")
    }

    @Test func partialWriteUnderAQueueNameIsQuarantinedWithoutGrace() throws {
        let s = prepared()
        #expect(s.run("config", "set", "drop_grace", "0").code == 0)
        let name = "10000.\(Timestamp.now().compact).partial.json"
        s.write(s.path("pending/\(name)"), #"{"id":"partial","command":"echo wh"#)
        expectBystanderRuns(s)
        #expect(s.files("pending").isEmpty)
        let moved = try #require(s.quarantined.first { $0.hasSuffix(".partial.json") }, "\(s.files("corrupt"))")
        #expect(s.read(s.path("corrupt/\(moved).reason")).contains("unreadable: invalid job JSON"))
    }

    /// Creates `pending/<prefix>\xFF<suffix>` (not valid UTF-8) with `body`.
    func dropWithInvalidName(_ s: TempSpool, _ prefix: String, _ suffix: String, _ body: String) throws {
        var path = Array(s.path("pending/\(prefix)").utf8) + [0xff] + Array(suffix.utf8) + [0]
        let fd = path.withUnsafeMutableBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o600) }
        }
        try #require(fd >= 0)
        let bytes = Array(body.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    @Test func dropWithNonUTF8NameIsRenamedThenAdopted() throws {
        let s = prepared()
        #expect(s.run("config", "set", "drop_grace", "0").code == 0)
        try dropWithInvalidName(s, "bad", "name.json", #"{"command":"echo odd name"}"#)
        // fsck sees it (it used to say clean) and shows the name escaped.
        let fsck = s.run("fsck")
        #expect(fsck.code == 1, "\(fsck)")
        #expect(fsck.out.contains("invalid-name") && fsck.out.contains("pending/bad%FFname.json"), "\(fsck)")
        let w = s.start(["worker", "start", "--exit-when-idle"])
        defer { w.kill9() }
        #expect(w.wait(timeout: 10) == 0, "the worker did not go idle: \(w.output)")
        #expect(s.job("bystander")?["state"] as? String == "completed")
        #expect(s.files("pending").isEmpty, "\(s.files("pending"))")
        // Adopted under its escaped name's id rule (not a valid id: generated), and run.
        #expect(w.output.contains("bad%FFname.json"), "\(w.output)")
        #expect(s.ids(in: .completed).count == 2, "\(s.ids(in: .completed))")
        #expect(s.run("fsck").code == 0)
    }

    @Test func garbageWithNonUTF8NameIsQuarantinedByFsckRepair() throws {
        let s = prepared()
        #expect(s.run("config", "set", "drop_grace", "0").code == 0)
        try dropWithInvalidName(s, "x", ".json", "not json")
        let repair = s.run("fsck", "--repair")
        #expect(repair.out.contains("invalid-name"), "\(repair)")
        #expect(s.files("pending").filter { $0.contains("x") }.isEmpty, "\(s.files("pending"))")
        let moved = try #require(s.quarantined.first { $0.hasSuffix(".x%FF.json") }, "\(s.files("corrupt"))")
        #expect(s.read(s.path("corrupt/\(moved)")) == "not json")
        #expect(s.read(s.path("corrupt/\(moved).reason")).contains("invalid job JSON"))
        #expect(s.run("fsck").code == 0)
        expectBystanderRuns(s)
    }

    @Test func strayFileInProcessingIsQuarantined() throws {
        let s = prepared()
        s.write(s.path("processing/garbage.txt"), "junk")
        expectBystanderRuns(s)
        #expect(s.files("processing").isEmpty)
        let moved = try #require(s.quarantined.first { $0.hasSuffix(".garbage.txt") }, "\(s.files("corrupt"))")
        #expect(s.read(s.path("corrupt/\(moved)")) == "junk")
    }

    /// The same as `unreadableDropIsLeftInPlace`, for a root test run (as in CI): the spool is
    /// given to `nobody` and the worker runs as `nobody` (setpriv), while the dropped file
    /// stays root's, mode 000.
    @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "skipped: needs root (to run the worker as nobody) and setpriv"))
    func unreadableDropIsLeftInPlaceForAWorkerOfAnotherUser() throws {
        let s = prepared()
        #expect(s.run("config", "set", "drop_grace", "0").code == 0)
        let p = s.path("pending/locked.json")
        s.write(p, #"{"command":"true"}"#)
        try #require(DiskFullTests.sh("chown -R 65534:65534 '\(s.root)' && chown 0:0 '\(p)' && chmod 000 '\(p)'") == 0)
        let n = UInt32.random(in: 0...UInt32.max)
        let out = "\(s.dir)/nobody-\(n).out", err = "\(s.dir)/nobody-\(n).err"
        let child = try ChildProcess.spawn("/usr/bin/setpriv",
                                           ["--reuid=65534", "--regid=65534", "--clear-groups", QueueCtlBinary.path,
                                            "--spool", s.root, "worker", "start"],
                                           stdout: out, stderr: err, newProcessGroup: true)
        let w = RunningProcess(child: child, outPath: out, errPath: err)
        defer { w.kill9() }
        #expect(eventually { s.job("bystander")?["state"] as? String == "completed" }, "\(w.output) \(w.errors)")
        #expect(w.waitFor("dropped file locked.json"), "\(w.output) \(w.errors)")
        #expect(w.stop() == 0)
        #expect(s.files("pending") == ["locked.json"])
        #expect(s.quarantined.isEmpty, "\(s.files("corrupt"))")
        #expect(w.output.contains("unreadable"), "\(w.output)")
    }

    @Test(.enabled(if: geteuid() != 0, "skipped: running as root, who can read a mode-000 file"))
    func unreadableDropIsLeftInPlace() throws {
        let s = prepared()
        #expect(s.run("config", "set", "drop_grace", "0").code == 0)
        let p = s.path("pending/locked.json")
        s.write(p, #"{"command":"true"}"#)
        #expect(chmod(p, 0) == 0)
        defer { chmod(p, 0o600) }
        let w = s.startWorker()
        defer { w.kill9() }
        #expect(eventually { s.job("bystander")?["state"] as? String == "completed" })
        #expect(w.waitFor("dropped file locked.json"))
        #expect(w.stop() == 0)
        #expect(s.files("pending") == ["locked.json"])
        #expect(s.quarantined.isEmpty)
        #expect(w.output.contains("unreadable"), "\(w.output)")
    }
}
