import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// The fenced move of filesystems without RENAME_EXCHANGE, and what recovery makes of the names
/// a mover that is gone leaves behind (spool-layout.md, "Several hosts on one spool").
@Suite("fenced moves (plain renames)")
struct FencedMoveTests {
    /// A mover on this host whose process is gone.
    static let goneMover = ProcessTag(escapedHost: ProcessTag.current.host, pid: 999_999, startTime: 1)

    func pendingName(_ s: LibrarySpool, _ id: String) throws -> String {
        try #require(s.names(.pending).first { $0.hasSuffix(".\(id).json") })
    }

    @Test func theContestedRenameDecides() throws {
        let s = try LibrarySpool("fence")
        defer { s.remove() }
        let from = try s.add("a")
        var held = try s.spool.readJob(at: from)
        held.state = .held
        try s.spool.fencedMove(from, to: s.spool.path("held", "a.json"), as: held, durable: true)
        #expect(s.names(.held) == ["a.json"] && s.names(.pending).isEmpty && s.names(.processing).isEmpty)
        #expect(try s.spool.readJob(at: s.spool.path("held", "a.json")).state == .held)
        // The source is gone now: a second mover loses with ENOENT and changes nothing.
        var other = held
        other.state = .dead
        #expect(throws: SystemError.self) { try s.spool.fencedMove(from, to: s.spool.path("dead", "a.json"), as: other, durable: true) }
        #expect(s.names(.dead).isEmpty && s.names(.processing).isEmpty)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: s.spool.tmpDirectory)) ?? []).filter { $0.hasSuffix(".result") }.isEmpty)
    }

    @Test func aMovingWithItsResultIsPublished() throws {
        let s = try LibrarySpool("publish")
        defer { s.remove() }
        let from = try s.add("b")
        var job = try s.spool.readJob(at: from)
        let moving = s.spool.movingPath(mover: Self.goneMover, id: job.id)
        try FileSystem.rename(from, moving)
        job.state = .held
        try FileSystem.writeNewFile(s.spool.movingResultPath(mover: Self.goneMover, id: job.id), job.encoded(), sync: false)
        let (actions, errors) = s.spool.recoverOrphans(config: Config())
        #expect(errors.isEmpty, "\(errors)")
        #expect(actions.map(\.to) == [.held], "\(actions)")
        #expect(s.names(.held) == ["b.json"] && s.names(.processing).isEmpty && s.names(.pending).isEmpty)
    }

    @Test func aMovingWithoutResultFoundNowhereElseIsPutBack() throws {
        let s = try LibrarySpool("putback")
        defer { s.remove() }
        let from = try s.add("c")
        let name = try pendingName(s, "c")
        try FileSystem.rename(from, s.spool.movingPath(mover: Self.goneMover, id: try JobID("c")))
        let (actions, errors) = s.spool.recoverOrphans(config: Config())
        #expect(errors.isEmpty, "\(errors)")
        #expect(actions.count == 1, "\(actions)")
        #expect(s.names(.pending) == [name], "the only copy goes back where its JSON says")
        #expect(s.names(.processing).isEmpty)
    }

    @Test func aMovingWhoseJobIsElsewhereIsRemoved() throws {
        let s = try LibrarySpool("removed")
        defer { s.remove() }
        let from = try s.add("d")
        let moving = s.spool.movingPath(mover: Self.goneMover, id: try JobID("d"))
        try FileSystem.link(from, moving)  // the published copy stays in pending/
        _ = s.spool.recoverOrphans(config: Config())
        #expect(s.names(.processing).isEmpty)
        #expect(s.names(.pending).count == 1)
    }

    @Test func aLiveMoversNamesAreLeftAlone() throws {
        let s = try LibrarySpool("live")
        defer { s.remove() }
        let from = try s.add("e")
        try FileSystem.rename(from, s.spool.movingPath(mover: .current, id: try JobID("e")))
        let other = ProcessTag(escapedHost: "elsewhere", pid: 1, startTime: 1)
        #expect(s.spool.recoverOrphans(config: Config(), me: other).actions.isEmpty)
        #expect(s.names(.processing).count == 1)
    }

    @Test func anotherHostsLeaseIncludesTheClockSkew() throws {
        let s = try LibrarySpool("skew")
        defer { s.remove() }
        let remote = ProcessTag(escapedHost: "elsewhere", pid: 7, startTime: 7)
        let reg = s.spool.registrationPath(remote)
        #expect(FileManager.default.createFile(atPath: reg, contents: Data("{}".utf8)))
        try s.age(reg, by: 35)
        var config = Config()
        config.lease = 30
        config.clockSkew = 10
        #expect(s.spool.deathReason(of: remote, config: config) == nil, "35 s < 30 s lease + 10 s skew")
        config.clockSkew = 2
        #expect(s.spool.deathReason(of: remote, config: config)?.contains("lease expired") == true)
        // "now" is the filesystem's: the mtime of tmp/clock.
        #expect(s.spool.spoolTime() != nil && FileManager.default.fileExists(atPath: s.spool.spoolClockPath))
    }
}
