import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// What fsck finds on a damaged spool (no live worker: findings are confirmed at once).
@Suite("fsck verdicts")
struct FsckVerdictTests {
    func kinds(_ r: FsckReport) -> [String: FsckFinding.Kind] {
        var out: [String: FsckFinding.Kind] = [:]
        for f in r.findings { out[String(f.path.split(separator: "/").suffix(2).joined(separator: "/"))] = f.kind }
        return out
    }

    @Test func duplicateMismatchesAndStaleMarkerAreFound() throws {
        let s = try LibrarySpool("fsck")
        defer { s.remove() }
        // A duplicate: dup in pending/ and a copy (newer, completed) in completed/.
        let dupPath = try s.add("dup")
        var dup = try s.spool.readJob(at: dupPath)
        dup.state = .completed
        dup.updatedAt = dup.updatedAt.adding(seconds: 1)
        try FileSystem.writeNewFile(s.spool.path("completed", "dup.json"), dup.encoded(), sync: false)
        // An interrupted move: in dead/, the JSON already says pending (a `dlq retry` cut short).
        let movedPath = try s.add("moved")
        var moved = try s.spool.readJob(at: movedPath)
        moved.state = .dead
        try s.spool.move(movedPath, to: .dead, as: moved, durable: false)
        moved.state = .pending
        try s.spool.rewrite(s.spool.path("dead", "moved.json"), with: moved, sync: false)
        // A hand move: in completed/, the JSON says pending: the directory wins.
        let handPath = try s.add("hand")
        try FileSystem.rename(handPath, s.spool.path("completed", "hand.json"))
        // A stale marker: no job has the id, and the marker is old.
        let marker = s.spool.path("ids", "ghost")
        #expect(FileManager.default.createFile(atPath: marker, contents: Data()))
        try s.age(marker, by: 120)

        let report = s.spool.fsck(repair: false, config: Config())
        let found = kinds(report)
        #expect(found["pending/" + JobFileName.ordered(dup)] == .duplicateID, "\(report.findings)")
        #expect(found["dead/moved.json"] == .stateMismatch)
        #expect(report.findings.first { $0.path.hasSuffix("dead/moved.json") }?.detail.contains("interrupted move") == true)
        #expect(found["completed/hand.json"] == .stateMismatch)
        #expect(report.findings.first { $0.path.hasSuffix("completed/hand.json") }?.detail.contains("the directory wins") == true)
        #expect(found["ids/ghost"] == .staleMarker)
        #expect(report.findings.count == 4, "\(report.findings)")
        #expect(!report.isClean)

        let repaired = s.spool.fsck(repair: true, config: Config())
        #expect(repaired.isClean, "\(repaired.unrepaired)")
        #expect(try s.spool.load(try JobID("moved")).state == .pending)
        #expect(try s.spool.load(try JobID("hand")).state == .completed)
        #expect(try s.spool.load(try JobID("dup")).state == .completed)
        #expect(s.spool.fsck(repair: false, config: Config()).findings.isEmpty)
    }
}
