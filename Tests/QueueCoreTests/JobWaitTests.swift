import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Waiting for jobs and reading their logs through the library.
@Suite("waiting for jobs and reading logs")
struct JobWaitTests {
    @Test func waitReportsEachOutcomeAndTimesOutOnUnfinishedJobs() throws {
        let spool = try WorkerStateTests.tempSpool("wait")
        defer { try? FileManager.default.removeItem(atPath: spool.root) }
        let open = try JobID("open"), missing = try JobID("missing")
        try spool.enqueue([Job(id: open, command: "true")])
        var seen: [JobID: Spool.WaitOutcome] = [:]
        let outcomes = try spool.waitForJobs(ids: [open, missing], timeout: 0.05) { seen[$0] = $1 }
        #expect(outcomes == [open: .timedOut, missing: .notFound])
        #expect(seen == [missing: .notFound], "a timed-out job is not reported as finished")
    }

    @Test func aLogIsReadFromAnOffset() throws {
        let spool = try WorkerStateTests.tempSpool("log")
        defer { try? FileManager.default.removeItem(atPath: spool.root) }
        let id = try JobID("talk")
        let log = JobLog(spool: spool, id: id)
        #expect(try log.read(from: 0).isEmpty, "no log yet")
        try FileSystem.writeNewFile(spool.logPath(id), Array("hello world".utf8), sync: false)
        #expect(try log.read(from: 6) == Array("world".utf8))
        #expect(throws: QueueError.notFound("talk")) { try log.stream(follow: false) { _ in } }
        try spool.enqueue([Job(id: id, command: "true")])
        var got: [UInt8] = []
        try log.stream(follow: false) { got += $0 }
        #expect(got == Array("hello world".utf8))
    }
}
