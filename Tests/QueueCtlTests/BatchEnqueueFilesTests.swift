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
}
