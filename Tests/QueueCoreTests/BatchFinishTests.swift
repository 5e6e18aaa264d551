import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// The committer's batch path through the library: claims, then one `finish` of many outcomes
/// (more than eight, so the data is made durable with one syncfs), on a real temporary spool.
@Suite("recording outcomes in batches")
struct BatchFinishTests {
    @Test func aBatchOfOutcomesEndsInTheirDirectories() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/queuectl-batch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = Spool(root: dir)
        try spool.create()
        let ids = (0..<12).map { try! JobID("b\($0)") }
        try spool.enqueue(ids.map { Job(id: $0, command: "true") })
        let worker = ProcessTag(escapedHost: "test", pid: getpid(), startTime: 1)
        var claims: [JobClaim] = []
        for name in try DirectoryStream.names(spool.directory(.pending)).sorted() {
            claims.append(try #require(try spool.claim(name, from: .pending, worker: worker)))
        }
        #expect(claims.count == 12)
        // One is taken away meanwhile (as recovery would): its outcome must be refused, not resurrected.
        try FileSystem.rename(claims[0].path, spool.path("tmp", "taken-away"))
        let now = Timestamp.now()
        let batch = claims.enumerated().map { i, claim in
            var job = claim.job
            if i % 3 == 0 {
                RetryPolicy.applyFailure(to: &job, error: "exit code 3", exitCode: 3, config: Config(), now: now)
            } else {
                job.state = .completed; job.exitCode = 0; job.finishedAt = now; job.updatedAt = now
            }
            return Spool.Finish(claim: claim, job: job)
        }
        let errors = spool.finish(batch)
        #expect(errors[0]?.isNotFound == true, "\(String(describing: errors[0]))")
        #expect(errors.dropFirst().allSatisfy { $0 == nil }, "\(errors)")
        #expect(try DirectoryStream.names(spool.directory(.processing)).isEmpty)
        #expect(try DirectoryStream.names(spool.directory(.completed)).count == 8)
        #expect(try DirectoryStream.names(spool.directory(.failed)).count == 3)
        for (i, claim) in claims.enumerated().dropFirst() {
            let loc = try #require(try spool.locate(claim.job.id))
            let job = try spool.readJob(at: loc.path)
            #expect(job.state == (i % 3 == 0 ? .failed : .completed))
            #expect(loc.state == job.state)
            #expect(job.attempts == 1)
        }
        // Only the taken-away file remains in tmp/: no temporary of the batch is left.
        #expect(try DirectoryStream.names(spool.tmpDirectory) == ["taken-away"])
    }
}
