import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Group slot files on a real temporary spool: taking, a lowered limit, and which slots
/// recovery gives back.
@Suite("group slots")
struct GroupSlotTests {
    let g = try! GroupName("g")
    let me = ProcessTag.current

    @Test func atMostLimitSlotsAreTakenAndAFreedOneIsTakenAgain() throws {
        let s = try LibrarySpool("slots")
        defer { s.remove() }
        let a = try #require(try s.spool.takeGroupSlot(g, limit: 2, worker: me, job: JobID("a")))
        let b = try #require(try s.spool.takeGroupSlot(g, limit: 2, worker: me, job: JobID("b")))
        #expect(a.index == 0 && b.index == 1)
        #expect(try s.spool.takeGroupSlot(g, limit: 2, worker: me, job: JobID("c")) == nil)
        #expect(s.spool.groupSlotHolders(g).map(\.job.rawValue) == ["a", "b"])
        s.spool.releaseGroupSlot(a)
        let c = try #require(try s.spool.takeGroupSlot(g, limit: 2, worker: me, job: JobID("c")))
        #expect(c.index == 0 && s.spool.groupRunningCount(g) == 2)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: s.spool.tmpDirectory))?.isEmpty == true, "no tmp/ file left")
    }

    @Test func aLoweredLimitCountsEverySlotHeld() throws {
        let s = try LibrarySpool("lowered")
        defer { s.remove() }
        let slots = try (0..<3).map { try #require(try s.spool.takeGroupSlot(g, limit: 3, worker: me, job: JobID("j\($0)"))) }
        #expect(try s.spool.takeGroupSlot(g, limit: 2, worker: me, job: JobID("x")) == nil)
        s.spool.releaseGroupSlot(slots[0])
        #expect(try s.spool.takeGroupSlot(g, limit: 2, worker: me, job: JobID("x")) == nil, "slots 1 and 2 still run: 2 of 2")
        s.spool.releaseGroupSlot(slots[1])
        let x = try #require(try s.spool.takeGroupSlot(g, limit: 2, worker: me, job: JobID("x")))
        #expect(x.index == 0 && s.spool.groupRunningCount(g) == 2)
    }

    @Test func recoveryFreesADeadHoldersSlotOnlyOnceItsClaimIsGoneAndItsRunEnded() throws {
        let s = try LibrarySpool("recover")
        defer { s.remove() }
        let dead = ProcessTag(escapedHost: me.host, pid: 999_999, startTime: 1)
        let config = Config()
        _ = try #require(try s.spool.takeGroupSlot(g, limit: 3, worker: dead, job: JobID("j")))
        _ = try #require(try s.spool.takeGroupSlot(g, limit: 3, worker: me, job: JobID("mine")))
        // Its claim is still in processing/: claim recovery goes first.
        let claim = s.spool.path("processing", JobFileName.processing(worker: dead, id: try JobID("j")))
        #expect(FileManager.default.createFile(atPath: claim, contents: Data("{}".utf8)))
        #expect(s.spool.recoverGroupSlots(config: config, me: otherHostWorker).released.isEmpty)
        try FileManager.default.removeItem(atPath: claim)
        // A process of its attempt still holds the run lock.
        let lock = try #require(try s.spool.openRunLog(try JobID("j")))
        #expect(s.spool.recoverGroupSlots(config: config, me: otherHostWorker).released.isEmpty)
        lock.close()
        let released = s.spool.recoverGroupSlots(config: config, me: otherHostWorker).released
        #expect(released.count == 1 && released[0].hasPrefix("groups/g/0 (job j; worker \(dead) is dead"), "\(released)")
        // The live holder's slot stays.
        #expect(s.spool.groupSlotHolders(g).map(\.job.rawValue) == ["mine"])
    }
}
