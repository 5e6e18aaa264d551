import Foundation
import QueueCore
import QueueSystem
import Testing

/// System call failures keep their errno as a typed value until they are rendered.
@Suite("typed system errors")
struct SystemErrorTests {
    @Test func errnoIsAValueWithStrerrorText() {
        #expect(Errno.noSuchFile == Errno(rawValue: ENOENT))
        #expect(Errno.noSpace.description == String(cString: strerror(ENOSPC)))
        let e = SystemError(errno: .noSuchFile, operation: "open", path: "/x")
        #expect(e.isNotFound && !e.isExists)
        #expect(e.description == "open /x: \(String(cString: strerror(ENOENT)))")
    }

    @Test func aSpoolThatCannotBeCreatedKeepsTheErrno() throws {
        let file = FileManager.default.temporaryDirectory.path + "/queuectl-notadir-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            try Spool(root: file + "/spool").create()
            Issue.record("created a spool under a regular file")
        } catch {
            #expect(error.systemError?.errno == .notDirectory, "\(error)")
            #expect("\(error)".hasPrefix("cannot create spool \(file)/spool: "), "\(error)")
        }
    }

    @Test func renameNoReplaceRefusesAnExistingTargetAndMovesRawNames() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/queuectl-rename-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.makeDirectory(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try FileSystem.createExclusive(dir + "/a"))
        #expect(try FileSystem.createExclusive(dir + "/b"))
        #expect(throws: SystemError(errno: .fileExists, operation: "rename", path: "\(dir)/a -> \(dir)/b")) {
            try FileSystem.renameNoReplace(dir + "/a", dir + "/b")
        }
        // A file whose name is not UTF-8 ("f" 0xFF), moved by its bytes.
        let raw: [UInt8] = Array((dir + "/").utf8) + [0x66, 0xff]
        let cRaw = raw.map { CChar(bitPattern: $0) } + [0]
        #expect(cRaw.withUnsafeBufferPointer { link(dir + "/a", $0.baseAddress!) } == 0)
        try FileSystem.renameNoReplace(rawFrom: raw, dir + "/escaped", description: "raw")
        #expect(try FileStatus.ifExists(dir + "/escaped") != nil)
    }
}
