import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Empty logs renamed into place as a later job's log (`RecycledLogs`), on a real spool: only
/// an empty, unlocked log is ever taken; a job that has a log keeps appending to it; a reader
/// holding a recycled inode sees that its name is gone.
@Suite("recycled logs")
struct RecycledLogTests {
    func inode(_ path: String) -> UInt64? { (try? FileStatus.of(path))?.inode }

    func write(_ path: String, _ text: String) throws {
        let fd = try FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_APPEND)
        defer { fd.close() }
        try fd.writeAll(Array(text.utf8))
    }

    @Test func anEmptyUnlockedLogBecomesTheNextJobsLog() throws {
        let s = try LibrarySpool("recycle")
        defer { s.remove() }
        let pool = RecycledLogs()
        let a = try JobID("a"), b = try JobID("b")
        let first = try #require(try s.spool.openRunLog(a, recycling: pool))
        first.close()
        let original = try #require(inode(s.spool.logPath(a)))
        pool.offer(s.spool.logPath(a))
        let fd = try #require(try s.spool.openRunLog(b, recycling: pool))
        defer { fd.close() }
        #expect(inode(s.spool.logPath(a)) == nil, "a's empty log was renamed")
        #expect(inode(s.spool.logPath(b)) == original, "b got a's inode: no new inode created")
        #expect(s.spool.runIsActive(b), "the run lock is held on b's log")
        try fd.writeAll(Array("b\n".utf8))
        #expect(try JobLog(spool: s.spool, id: b).read(from: 0) == Array("b\n".utf8))
        #expect(try JobLog(spool: s.spool, id: a).read(from: 0).isEmpty)
    }

    @Test func aLogWithOutputOrHeldByAnAttemptIsNeverTaken() throws {
        let s = try LibrarySpool("recycle-guard")
        defer { s.remove() }
        let pool = RecycledLogs()
        let a = try JobID("a"), h = try JobID("h"), b = try JobID("b"), c = try JobID("c")
        try write(s.spool.logPath(a), "output of a\n")
        let held = try #require(try s.spool.openRunLog(h, recycling: pool))  // an attempt of h still runs
        defer { held.close() }
        pool.offer(s.spool.logPath(a))
        pool.offer(s.spool.logPath(h))
        let fb = try #require(try s.spool.openRunLog(b, recycling: pool))
        fb.close()
        let fc = try #require(try s.spool.openRunLog(c, recycling: pool))
        fc.close()
        #expect(s.spool.outputTail(a, from: 0) == "output of a", "a log with output stays where it is")
        #expect(s.spool.runIsActive(h), "a locked log stays where it is, with its lock")
        #expect(inode(s.spool.logPath(b)) != inode(s.spool.logPath(a)) && inode(s.spool.logPath(b)) != inode(s.spool.logPath(h)))
        #expect(inode(s.spool.logPath(c)) != inode(s.spool.logPath(a)) && inode(s.spool.logPath(c)) != inode(s.spool.logPath(h)))
    }

    @Test func aJobWithALogAppendsToItAndTheEmptyLogWaitsForTheNextJob() throws {
        let s = try LibrarySpool("recycle-append")
        defer { s.remove() }
        let pool = RecycledLogs()
        let a = try JobID("a"), r = try JobID("r"), c = try JobID("c")
        try write(s.spool.logPath(a), "")
        try write(s.spool.logPath(r), "attempt 1\n")
        let empty = try #require(inode(s.spool.logPath(a)))
        pool.offer(s.spool.logPath(a))
        let fr = try #require(try s.spool.openRunLog(r, recycling: pool))
        try fr.writeAll(Array("attempt 2\n".utf8))
        fr.close()
        #expect(try JobLog(spool: s.spool, id: r).read(from: 0) == Array("attempt 1\nattempt 2\n".utf8))
        #expect(inode(s.spool.logPath(a)) == empty, "not taken while r has its own log")
        let fc = try #require(try s.spool.openRunLog(c, recycling: pool))
        fc.close()
        #expect(inode(s.spool.logPath(c)) == empty && inode(s.spool.logPath(a)) == nil, "taken by the next job without a log")
    }

    @Test func aReaderSeesThatTheNameNoLongerNamesItsInode() throws {
        let s = try LibrarySpool("recycle-reader")
        defer { s.remove() }
        let a = try JobID("a"), b = try JobID("b")
        try write(s.spool.logPath(a), "")
        let reader = try FileDescriptor.open(s.spool.logPath(a), flags: O_RDONLY)
        defer { reader.close() }
        #expect(s.spool.logStillNames(a, reader))
        let pool = RecycledLogs()
        pool.offer(s.spool.logPath(a))
        let fb = try #require(try s.spool.openRunLog(b, recycling: pool))
        try fb.writeAll(Array("b's output\n".utf8))
        fb.close()
        #expect(!s.spool.logStillNames(a, reader), "bytes read through this descriptor now are b's, not a's")
        #expect(s.spool.outputTail(a, from: 0) == "")
    }
}
