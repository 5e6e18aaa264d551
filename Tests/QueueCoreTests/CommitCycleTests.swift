import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// One commit cycle (`Spool.commit`) through the library, on a real temporary spool: claims won
/// by their renames, committed first, then outcomes of earlier claims, in one cycle.
@Suite("commit cycles: claims and outcomes together")
struct CommitCycleTests {
    let worker = ProcessTag(escapedHost: "test", pid: getpid(), startTime: 1)

    func makeSpool() throws -> (Spool, String) {
        let dir = FileManager.default.temporaryDirectory.path + "/queuectl-cycle-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let spool = Spool(root: dir)
        try spool.create()
        return (spool, dir)
    }

    @Test(arguments: [1, 5])
    func claimsAndOutcomesShareOneCycle(claimCount: Int) throws {
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
        var seen: [Spool.ClaimResult] = []
        var outcomesPendingAtStart: [Bool] = []
        var unsynced = true  // an earlier cycle left processing/ unsynced: this one must fsync it
        let errors = spool.commit(claims: reserved.map { Spool.ClaimRequest($0, dropGrace: 0) }, outcomes: outcomes,
                                  worker: worker, now: now, processingUnsynced: &unsynced) { results in
            seen = results
            // Claims first: the commands may start before the outcomes of the same cycle are
            // written (their claims are still there, nothing in completed/ yet).
            outcomesPendingAtStart = outcomes.map { (try? FileStatus.of($0.claim.path)) != nil
                && (try? FileStatus.of(spool.path("completed", "\($0.job.id).json"))) == nil }
        }
        #expect(errors.allSatisfy { $0 == nil }, "\(errors)")
        #expect(outcomesPendingAtStart == [true, true, true])
        #expect(!unsynced)
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
        var seen: [Spool.ClaimResult] = []
        var unsynced = false
        _ = spool.commit(claims: reserved.map { Spool.ClaimRequest($0, dropGrace: 0) }, outcomes: [], worker: worker,
                         processingUnsynced: &unsynced) { seen = $0 }
        #expect(seen.count == 2)
        for result in seen {
            guard case .success(.notClaimed) = result else { Issue.record("expected notClaimed: \(result)"); continue }
        }
        #expect(try DirectoryStream.names(spool.directory(.processing)).isEmpty)
        #expect(try DirectoryStream.names(spool.path("corrupt")).count >= 1)
    }
}
