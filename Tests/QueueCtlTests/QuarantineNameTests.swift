import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Issue 8, defect 9: a file or directory whose name is too long for `<time>.<name>.reason`
/// is still quarantined, under a bounded name, with the original name in its `.reason` file.
@Suite("quarantine of long names", .serialized)
struct QuarantineNameTests {
    /// A 241-byte file name (multi-byte UTF-8, so the cut must respect character boundaries)
    /// and a 240-byte directory name.
    let fileName = String(repeating: "é", count: 118) + ".json"
    let dirName = String(repeating: "d", count: 240)

    private func drop(_ s: TempSpool) throws {
        #expect(fileName.utf8.count == 241)
        s.write(s.path("pending/\(fileName)"), "not json at all")
        try FileManager.default.createDirectory(atPath: s.path("pending/\(dirName)"), withIntermediateDirectories: false)
    }

    /// Both are in corrupt/ under names that leave room for `.reason`; each reason names the original.
    private func checkQuarantined(_ s: TempSpool) throws {
        let names = s.quarantined
        #expect(names.count == 2, "\(s.files("corrupt"))")
        #expect(s.files("pending").isEmpty, "\(s.files("pending"))")
        for n in names {
            #expect(n.utf8.count + ".reason".utf8.count <= 255, "\(n)")
            #expect(s.files("corrupt").contains(n + ".reason"))
        }
        let reasons = s.files("corrupt").filter { $0.hasSuffix(".reason") }.map { s.read(s.path("corrupt/\($0)")) }
        #expect(reasons.contains { $0.contains("pending/\(fileName): ") }, "\(reasons)")
        #expect(reasons.contains { $0.contains("pending/\(dirName): ") }, "\(reasons)")
        let dirs = names.filter { n in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: s.path("corrupt/\(n)"), isDirectory: &isDir) && isDir.boolValue
        }
        #expect(dirs.count == 1)
    }

    @Test func workerScanQuarantinesLongNames() throws {
        let s = TempSpool()
        s.fast(["drop_grace": "0.1"])
        try drop(s)
        let w = s.startWorker()
        defer { w.stop() }
        #expect(eventually(timeout: 10) { s.quarantined.count == 2 }, "\(w.output)")
        w.stop()
        try checkQuarantined(s)
        #expect(!w.output.contains("File name too long"), "\(w.output)")
        #expect(s.run("fsck").code == 0)
    }

    @Test func fsckRepairQuarantinesLongNames() throws {
        let s = TempSpool()
        s.fast(["drop_grace": "0.1"])
        try drop(s)
        usleep(200_000)  // past drop_grace
        let before = s.run("fsck")
        #expect(before.code == 1, "\(before)")
        let r = s.run("fsck", "--repair")
        #expect(r.code == 0, "\(r)")
        try checkQuarantined(s)
        let after = s.run("fsck")
        #expect(after.code == 0 && after.lines == ["clean"], "\(after)")
    }

    /// A long name that is not UTF-8: its `%XX` form (three times longer) would not be a legal
    /// name, so it is cut and hashed; then the file is quarantined like any garbage.
    @Test func longNonUTF8NameIsEscapedWithinBoundsThenQuarantined() throws {
        let s = TempSpool()
        s.fast(["drop_grace": "0"])
        var raw = Array(s.path("pending/").utf8) + [UInt8](repeating: 0xff, count: 120) + Array("long.json".utf8) + [0]
        let fd = raw.withUnsafeMutableBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o600) }
        }
        try #require(fd >= 0)
        close(fd)
        let repair = s.run("fsck", "--repair")
        #expect(repair.code == 0, "\(repair)")
        #expect(repair.out.contains("invalid-name"), "\(repair)")
        #expect(s.files("pending").isEmpty, "\(s.files("pending"))")
        #expect(s.quarantined.count == 1, "\(s.files("corrupt"))")
        #expect(s.quarantined.allSatisfy { $0.utf8.count + ".reason".utf8.count <= 255 })
        #expect(s.run("fsck").code == 0)
    }
}
