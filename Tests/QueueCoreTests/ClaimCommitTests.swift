import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Claim commits (`Spool.commitClaims`) through the library, on a real temporary spool: the
/// claims of one batch made durable together, next to outcomes recorded meanwhile.
@Suite("claim commits: a batch made durable together")
struct ClaimCommitTests {
    let worker = ProcessTag(escapedHost: "test", pid: getpid(), startTime: 1)

    func makeSpool() throws -> (Spool, String) {
        let dir = FileManager.default.temporaryDirectory.path + "/queuectl-cycle-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let spool = Spool(root: dir)
        try spool.create()
        return (spool, dir)
    }

    @Test(arguments: [1, 5])
    func aBatchIsCommittedTogether(claimCount: Int) throws {
        let (spool, dir) = try makeSpool()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let earlier = (0..<3).map { try! JobID("e\($0)") }
        let fresh = (0..<claimCount).map { try! JobID("n\($0)") }
        try spool.enqueue(earlier.map { Job(id: $0, command: "true") })
        var running: [JobClaim] = []
        for name in try DirectoryStream.names(spool.directory(.pending)).sorted() {
            running.append(try #require(try spool.claim(name, from: .pending, worker: worker)))
        }
        try spool.enqueue(fresh.map { Job(id: $0, command: "true") })
        let reserved = try DirectoryStream.names(spool.directory(.pending)).sorted().map {
            try #require(try spool.reserve($0, from: .pending, worker: worker))
        }
        let now = Timestamp.now()
        let outcomes = running.map { claim in
            var job = claim.job
            job.state = .completed; job.exitCode = 0; job.finishedAt = now; job.updatedAt = now
            return Spool.Finish(claim: claim, job: job)
        }
        let errors = spool.recordOutcomes(outcomes)
        #expect(errors.allSatisfy { $0 == nil }, "\(errors)")
        let seen = spool.commitClaims(reserved.map { Spool.ClaimRequest($0, dropGrace: 0) }, worker: worker, now: now)
        #expect(seen.count == claimCount)
        for (result, r) in zip(seen, reserved) {
            guard case .success(.claimed(let claim)) = result else { Issue.record("not claimed: \(result)"); continue }
            #expect(claim.path == r.path)
            let job = try spool.readJob(at: r.path)
            #expect(job.state == .processing && job.attempts == 1 && job.worker == worker.rawValue && job.id == r.id)
        }
        #expect(try DirectoryStream.names(spool.directory(.completed)).count == 3)
        #expect(try DirectoryStream.names(spool.directory(.processing)).count == claimCount)
        #expect(try DirectoryStream.names(spool.directory(.pending)).isEmpty)
        #expect(try DirectoryStream.names(spool.tmpDirectory).filter { $0 != "clock" && !$0.hasPrefix(".") }.isEmpty)
        let events = try String(contentsOfFile: spool.path("events", "events.log"), encoding: .utf8)
        let claimed = events.split(separator: "\n").filter { $0.contains("\"to\":\"processing\"") && $0.contains("\"n") }
        #expect(claimed.count == claimCount)
        #expect(claimed.allSatisfy { $0.contains(claimCount > 1 ? "claimed (\(claimCount) in one commit)" : "\"reason\":\"claimed\"") })
    }

    @Test func aClaimTakenAwayBeforeItsCommitIsNotClaimedAndAMalformedOneIsQuarantined() throws {
        let (spool, dir) = try makeSpool()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try spool.enqueue([Job(id: try JobID("a"), command: "true"), Job(id: try JobID("b"), command: "true")])
        let reserved = try DirectoryStream.names(spool.directory(.pending)).sorted().map {
            try #require(try spool.reserve($0, from: .pending, worker: worker))
        }
        // a: taken away (as recovery would) between its rename and its commit; b: garbage, old.
        try FileSystem.rename(reserved[0].path, spool.path("tmp", "taken-away"))
        try FileSystem.writeNewFile(spool.path("tmp", "garbage"), Array("{not json".utf8), sync: false)
        try FileSystem.rename(spool.path("tmp", "garbage"), reserved[1].path)
        let seen = spool.commitClaims(reserved.map { Spool.ClaimRequest($0, dropGrace: 0) }, worker: worker)
        #expect(seen.count == 2)
        for result in seen {
            guard case .success(.notClaimed) = result else { Issue.record("expected notClaimed: \(result)"); continue }
        }
        #expect(try DirectoryStream.names(spool.directory(.processing)).isEmpty)
        #expect(try DirectoryStream.names(spool.path("corrupt")).count >= 1)
    }
}
