import Foundation
import QueueCore
import Testing
import QueueSystem

/// `status` names the spool's filesystem and what it lacks; `clock_skew` is a bounded key.
@Suite("storage in status, clock_skew")
struct StorageStatusTests {
    @Test func statusNamesTheFilesystemAndItsRenameFlags() throws {
        let s = TempSpool()
        let kind = try FileSystemKind.of(FileManager.default.temporaryDirectory.path)
        let plain = s.run(["status"])
        #expect(plain.code == 0)
        let line = try #require(plain.lines.first { $0.hasPrefix("storage: ") }, "\(plain)")
        #expect(line.hasPrefix("storage: \(kind.name) ("), "\(line)")
        #expect(line.contains(kind.isShared ? "shared" : "local"), "\(line)")
        #expect(!line.contains("RENAME_EXCHANGE"), "a local disk has the flags: \(line)")
        let json = try #require(parseJSON(s.run(["status", "--json"]).out) as? [String: Any])
        let storage = try #require(json["storage"] as? [String: Any], "\(json)")
        #expect(storage["filesystem"] as? String == kind.name)
        #expect(storage["atomic_renames"] as? Bool == true)
        // As on GlusterFS's FUSE mount or NFS:
        s.baseEnv = ["QUEUECTL_NO_RENAME_FLAGS": "1"]
        let fenced = s.run(["status"])
        #expect(fenced.lines.contains { $0.hasPrefix("storage: ") && $0.contains("no RENAME_EXCHANGE: moves fenced by plain renames") }, "\(fenced)")
        let fjson = try #require(parseJSON(s.run(["status", "--json"]).out) as? [String: Any])
        #expect((fjson["storage"] as? [String: Any])?["atomic_renames"] as? Bool == false)
    }

    @Test func mountTableNamesAreUnescaped() {
        #expect(FileSystemKind.unescapeMountInfo(#"/mnt/my\040spool"#) == "/mnt/my spool")
        #expect(FileSystemKind.unescapeMountInfo("/srv/queue") == "/srv/queue")
        #expect(FileSystemKind.unescapeMountInfo(#"/a\134b"#) == #"/a\b"#)
        #expect(FileSystemKind.unescapeMountInfo(#"/end\04"#) == #"/end\04"#)  // cut short: kept as is
    }

    @Test func clockSkewIsAConfigKeyWithBounds() {
        let s = TempSpool()
        #expect(s.run(["config", "get", "clock_skew"]).out == "2\n")
        #expect(s.run(["config", "set", "clock_skew", "0.5"]).code == 0)
        #expect(s.run(["config", "get", "clock_skew"]).out == "0.5\n")
        for bad in ["-1", "3601", "soon", "nan"] {
            let r = s.run(["config", "set", "clock_skew", bad])
            #expect(r.code == 2 && r.err.contains("clock_skew"), "\(bad): \(r)")
        }
    }
}
