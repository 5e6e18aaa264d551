import Foundation
import QueueCore
import Testing

/// `enqueue -` writes its job files with its own byte-level encoder and name builder (for
/// speed): through the binary, every file must be exactly what the queue's reference encoder
/// (`Job.encoded()`) writes for it, under the name `JobFileName` gives it, with its `ids/` marker.
@Suite("enqueue - writes the reference bytes and names")
struct BatchEnqueueFilesTests {
    @Test func everyFileIsTheReferenceEncoding() throws {
        let s = TempSpool("batchbytes")
        s.fast()
        let lines = [
            #"{"command":"true"}"#,
            #"{"id":"given-1","command":"echo \"q\" \\ \t é ✓ /x","priority":9999,"timeout":2.5,"max_retries":3}"#,
            #"{"command":"sleep 1","priority":-9999,"timeout":0,"run_at":"1999-12-31T23:59:59.5+02:00"}"#,
            #"{"command":"c","timeout":7,"zeta":{"b":[1,null,{"x":"y"}],"a":{}},"alpha":[],"Zed":true,"ümlaut":0.1,"group":"g1"}"#,
            #"{"id":"given-2","command":"c","after":["given-1"],"unique_key":"k1","history":[{"attempt":1}]}"#,
            #"{"command":"c","run_at":"9999-12-31T23:59:59.999999Z","state":"dead","attempts":5,"exit_code":-3,"worker":"w"}"#,
            #"{"command":"true"}"#,
        ]
        let r = s.run(["enqueue", "-"], stdin: lines.joined(separator: "\n") + "\n", env: ["QUEUECTL_ENQUEUE_CHUNK": "3"])
        #expect(r.code == 0, "\(r)")
        #expect(r.lines.count == lines.count, "\(r)")
        let generated = r.lines.filter { $0.hasPrefix("j") }
        #expect(generated.count == 5 && generated == generated.sorted() && Set(generated).count == 5, "\(r.lines)")
        var seen = 0
        for state in [JobState.pending, .waiting] {
            for name in s.files(state.rawValue) {
                let path = s.path("\(state.rawValue)/\(name)")
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
                let job = try Job.decode(bytes)
                #expect(bytes == job.encoded(), "\(name): \(String(decoding: bytes, as: UTF8.self))")
                #expect(name == JobFileName.name(for: job, in: state), "\(name)")
                #expect(job.state == state)
                let marker = try FileManager.default.attributesOfItem(atPath: s.path("ids/\(job.id.rawValue)"))
                let file = try FileManager.default.attributesOfItem(atPath: path)
                #expect(marker[.systemFileNumber] as? Int == file[.systemFileNumber] as? Int, "ids/\(job.id) is a link to the job's file")
                seen += 1
            }
        }
        #expect(seen == lines.count)
    }

    /// A link marker (`ids/<id>`, a hard link to the job's `tmp/` file) whose `tmp/` file is a
    /// live process's on this host is not stale however old it is: that enqueue is under way
    /// (a chunk of `enqueue -` can take longer than 2 s between its write and its rename), and
    /// another enqueue of the id must be refused, not take the id over (two jobs with one id).
    @Test func aLinkMarkerOfALiveEnqueueBlocksItsIDHoweverOld() throws {
        let s = TempSpool("livemarker")
        s.fast()
        let job = #"{"id":"j1","command":"true"}"#
        #expect(s.run(["enqueue", job], env: ["QUEUECTL_CRASH_AT": "enqueue:reserved"]).code == killedBySIGKILL)
        let dead = try #require(s.files("tmp").first { $0.hasSuffix(".j1.tmp") }, "\(s.files("tmp"))")
        // The same file, now named as a live writer's: this test process's (same host).
        let seq = dead.split(separator: ".")[1]
        let live = "\(ProcessTag.current.rawValue).\(seq).j1.tmp"
        try FileManager.default.moveItem(atPath: s.path("tmp/\(dead)"), toPath: s.path("tmp/\(live)"))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -30)], ofItemAtPath: s.path("ids/j1"))
        let again = s.run("enqueue", job)
        #expect(again.code == 1 && again.err.contains("'j1' already exists"), "\(again)")
        #expect(s.ids(in: .pending).isEmpty)
        // Once that writer is gone (its file named as a dead process's again), the id is free.
        try FileManager.default.moveItem(atPath: s.path("tmp/\(live)"), toPath: s.path("tmp/\(dead)"))
        let free = s.run("enqueue", job)
        #expect(free.code == 0, "\(free)")
        #expect(s.ids(in: .pending) == ["j1"])
    }
}
