import Foundation
import QueueCore
import Testing

/// `enqueue -` streams its input: every line is validated first, then the jobs are committed
/// in chunks (10,000; `QUEUECTL_ENQUEUE_CHUNK` here, so that small inputs cross boundaries).
@Suite("enqueue - in chunks through the binary")
struct ChunkedEnqueueTests {
    static let chunk = ["QUEUECTL_ENQUEUE_CHUNK": "3"]

    static func lines(_ ids: [String]) -> String {
        ids.map { #"{"id":"\#($0)","command":"true"}"# }.joined(separator: "\n") + "\n"
    }

    /// Ten jobs in chunks of three: all printed in input order, all pending, run in input order.
    @Test func chunkBoundariesKeepEveryJobAndItsOrder() {
        let s = TempSpool("chunkorder")
        s.fast()
        let ids = (0..<10).map { "c\($0)" }
        let r = s.run(["enqueue", "-"], stdin: Self.lines(ids), env: Self.chunk)
        #expect(r.code == 0, "\(r)")
        #expect(r.lines == ids)
        #expect(r.err.contains("enqueued 10 jobs"), "\(r.err)")
        #expect(s.ids(in: .pending).sorted() == ids.sorted())
        #expect(s.files("tmp").filter { $0.hasSuffix(".tmp") }.isEmpty, "the copy of the input is removed: \(s.files("tmp"))")
        let w = s.run("worker", "start", "--count", "1", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(startedIDs(w.out) == ids, "\(w.out)")
    }

    /// A bad line, or an id repeated, in a later chunk: nothing of the earlier chunks is added.
    @Test func aBadLineInALaterChunkEnqueuesNothing() {
        let s = TempSpool("chunkbad")
        s.fast()
        s.enqueue(#"{"id":"keep","command":"true"}"#)
        let before = s.deepSnapshot()
        let bad = Self.lines((0..<7).map { "g\($0)" }) + #"{"id":"g7","command":"# + "\n"
        let r = s.run(["enqueue", "-"], stdin: bad, env: Self.chunk)
        #expect(r.code == 2, "\(r)")
        #expect(r.out.isEmpty)
        #expect(r.err.hasPrefix("queuectl enqueue: line 8: ") && r.err.contains("nothing was enqueued"), "\(r.err)")
        #expect(s.deepSnapshot() == before)
        let clash = s.run(["enqueue", "-"], stdin: Self.lines(["t0", "t1", "t2", "t3", "keep"]), env: Self.chunk)
        #expect(clash.code == 1, "\(clash)")
        #expect(clash.err.contains("'keep' already exists"), "\(clash)")
        #expect(clash.out.isEmpty)
        #expect(s.deepSnapshot() == before)
        let repeated = s.run(["enqueue", "-"], stdin: Self.lines(["d0", "d1", "d2", "d3", "d0"]), env: Self.chunk)
        #expect(repeated.code == 2, "\(repeated)")
        #expect(repeated.err.contains("'d0' appears more than once in the input"), "\(repeated)")
        #expect(s.deepSnapshot() == before)
    }

    /// `after` may name a job of an earlier chunk (it exists by then); a job of a later chunk
    /// is refused before anything is enqueued (a worker could otherwise find the dependency
    /// missing in between and send the waiting job to dead/).
    @Test func afterAcrossChunks() {
        let s = TempSpool("chunkafter")
        s.fast()
        let back = [#"{"id":"a0","command":"true"}"#, #"{"id":"a1","command":"true"}"#, #"{"id":"a2","command":"true"}"#,
                    #"{"id":"a3","command":"true","after":["a0"]}"#].joined(separator: "\n")
        let ok = s.run(["enqueue", "-"], stdin: back, env: Self.chunk)
        #expect(ok.code == 0, "\(ok)")
        #expect(s.ids(in: .waiting) == ["a3"])
        let before = s.deepSnapshot()
        let forward = [#"{"id":"f0","command":"true","after":["f3"]}"#, #"{"id":"f1","command":"true"}"#,
                       #"{"id":"f2","command":"true"}"#, #"{"id":"f3","command":"true"}"#].joined(separator: "\n")
        let r = s.run(["enqueue", "-"], stdin: forward, env: Self.chunk)
        #expect(r.code == 2, "\(r)")
        #expect(r.err.contains("line 4: job f3 is named in 'after' by an earlier line of another chunk"), "\(r.err)")
        #expect(s.deepSnapshot() == before)
        // Within one chunk a forward reference still works.
        let near = s.run(["enqueue", "-"], stdin: [#"{"id":"n0","command":"true","after":["n1"]}"#, #"{"id":"n1","command":"true"}"#].joined(separator: "\n"), env: Self.chunk)
        #expect(near.code == 0, "\(near)")
    }

    /// One unique key on lines of different chunks: the first line's job holds it, the later
    /// lines (committed in later chunks) print its id.
    @Test func uniqueKeyAcrossChunks() {
        let s = TempSpool("chunkkey")
        s.fast()
        let input = (0..<5).map { _ in #"{"command":"true","unique_key":"k"}"# }.joined(separator: "\n")
        let r = s.run(["enqueue", "-"], stdin: input, env: ["QUEUECTL_ENQUEUE_CHUNK": "2"])
        #expect(r.code == 0, "\(r)")
        #expect(r.lines.count == 5 && Set(r.lines).count == 1, "\(r.out)")
        #expect(s.ids(in: .pending) == [r.lines[0]])
    }

    /// A crash at each enqueue step of the SECOND chunk (QUEUECTL_CRASH_SKIP=1): the first
    /// chunk is enqueued and its ids were printed; the second chunk is enqueued exactly when the
    /// crash came after its renames; recovery leaves nothing that blocks enqueueing the rest.
    @Test(arguments: ["enqueue:written", "enqueue:reserved", "enqueue:renamed"])
    func crashInTheSecondChunk(_ step: String) {
        let s = TempSpool("chunkcrash")
        s.fast()
        let ids = (0..<8).map { "x\($0)" }
        var env = Self.chunk
        env["QUEUECTL_CRASH_AT"] = step
        env["QUEUECTL_CRASH_SKIP"] = "1"
        let r = s.run(["enqueue", "-"], stdin: Self.lines(ids), env: env)
        #expect(r.code == killedBySIGKILL, "\(r)")
        let durable = step == "enqueue:renamed" ? Array(ids[0..<6]) : Array(ids[0..<3])
        #expect(r.lines == Array(ids[0..<3]), "the first chunk's ids are printed once durable: \(r.out)")
        #expect(s.run("recover").code == 0)
        #expect(s.ids(in: .pending).sorted() == durable, "\(s.ids(in: .pending))")
        let rest = s.run(["enqueue", "-"], stdin: Self.lines(Array(ids[durable.count...])))
        #expect(rest.code == 0, "re-enqueueing the unacknowledged jobs: \(rest)")
        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(s.ids(in: .completed).sorted() == ids)
    }

    /// A crash after the id's marker (a hard link to the job's `tmp/` file) was made, with no
    /// recovery in between: the marker's writer is found dead through that `tmp/` file, so the
    /// same job can be enqueued again at once.
    @Test func aLinkMarkerOfADeadEnqueueDoesNotBlockItsID() {
        let s = TempSpool("linkmarker")
        s.fast()
        let job = #"{"id":"j1","command":"true"}"#
        #expect(s.run(["enqueue", job], env: ["QUEUECTL_CRASH_AT": "enqueue:reserved"]).code == killedBySIGKILL)
        #expect(s.files("tmp").contains { $0.hasSuffix(".j1.tmp") }, "\(s.files("tmp"))")
        let again = s.run("enqueue", job)
        #expect(again.code == 0, "\(again)")
        #expect(s.ids(in: .pending) == ["j1"])
    }
}
