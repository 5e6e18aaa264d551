import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

@Suite("unique keys and attempt history (library)")
struct UniqueKeyHistoryTests {
    @Test func keyValidationAndFileNames() throws {
        for bad in ["", String(repeating: "a", count: 201), "a\nb", "a\u{7f}", "x\u{85}y"] {
            #expect(throws: QueueError.self) { try UniqueKey(bad) }
        }
        // Injective escape: names differ whenever keys differ; no '.' or '/' in a name.
        let keys = ["a.b", "a_b", "a-b", "a_2Eb", "a/b", "A.b", "é", "backup 2026-12-03"]
        let names = try keys.map { try UniqueKey($0).fileName }
        #expect(Set(names).count == keys.count, "\(names)")
        for n in names { #expect(!n.contains(".") && !n.contains("/") && n.hasPrefix("k")) }
        // Long keys are cut and hashed: at most 180 characters, still distinct.
        let long1 = try UniqueKey(String(repeating: "é", count: 100)), long2 = try UniqueKey(String(repeating: "é", count: 99) + "è")
        #expect(long1.fileName.count <= 180 && long1.fileName != long2.fileName)
    }

    @Test func historyKeepsTheLastTwentyAndCountsTheRest() {
        var job = Job(id: JobID(unchecked: "h"), command: "true")
        job.extra["history"] = .array([.string("garbage"), .object(["attempt": .int(0), "outcome": .string("failed")])])
        for n in 1...25 {
            job.appendAttempt(AttemptRecord(attempt: n, worker: ProcessTag.current, startedAt: .now(), endedAt: .now(),
                                            durationSeconds: 0.5, exitCode: n, signal: nil, timedOut: false,
                                            outcome: "failed", error: "exit code \(n)", output: "out \(n)"))
        }
        #expect(job.history.count == Job.historyLimit)
        #expect(job.history.map(\.attempt) == Array(6...25))
        #expect(job.historyDropped == 6, "the parseable old entry and 5 new ones were dropped; garbage is not counted")
        // Through the file format and back.
        let decoded = try? Job.decode(job.encoded())
        #expect(decoded?.history == job.history)
        #expect(decoded?.history.last?.pid == Int(ProcessTag.current.pid))
    }

    @Test func outputTailIsTheAttemptsOwnLastLines() throws {
        let s = try LibrarySpool("tail")
        defer { s.remove() }
        let id = JobID(unchecked: "t")
        try FileSystem.writeNewFile(s.spool.logPath(id), Array("earlier attempt\n".utf8), sync: false)
        let from = Int64("earlier attempt\n".utf8.count)
        #expect(s.spool.outputTail(id, from: from) == "")
        let fd = try FileDescriptor.open(s.spool.logPath(id), flags: O_WRONLY | O_APPEND)
        try fd.writeAll(Array((1...15).map { "line \($0)\n" }.joined().utf8))
        fd.close()
        #expect(s.spool.outputTail(id, from: from) == (6...15).map { "line \($0)" }.joined(separator: "\n"))
        #expect(s.spool.outputTail(JobID(unchecked: "missing"), from: 0) == "")
    }

    @Test func enqueueIdempotentAnswersTheHolderUntilItFinishes() throws {
        let s = try LibrarySpool("idem")
        defer { s.remove() }
        var a = Job(id: JobID(unchecked: "a"), command: "true")
        a.uniqueKey = "K"
        var b = Job(id: JobID(unchecked: "b"), command: "true")
        b.uniqueKey = "K"
        #expect(try s.spool.enqueueIdempotent([a]) == [a.id])
        #expect(try s.spool.enqueueIdempotent([b]) == [a.id])
        #expect(s.names(.pending).count == 1)
        // A job with the holder's id but without the key does not hold it.
        let key = try UniqueKey("K")
        #expect(s.spool.keyHolder(key) == a.id)
        _ = try s.spool.delete(a.id)
        #expect(s.spool.keyHolder(key) == nil)
        #expect(try s.spool.enqueueIdempotent([Job(id: a.id, command: "true")]) == [a.id])
        #expect(s.spool.holdsKey(a.id, key: key, hint: "") == false)
        #expect(try s.spool.enqueueIdempotent([b]) == [b.id])
        #expect(s.spool.keyHolder(key) == b.id)
    }
}
