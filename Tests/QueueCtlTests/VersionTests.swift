import Foundation
import Testing

/// `queuectl --version` and `queuectl version`: the version constant and the build facts.
@Suite struct VersionTests {
    @Test func versionPrintsNumberAndBuildFacts() throws {
        let s = TempSpool()
        let r = s.run(["--version"])
        #expect(r.code == 0, "\(r)")
        #expect(r.err.isEmpty, "\(r)")
        let lines = r.lines
        #expect(lines.first == "queuectl 0.9.0", "\(r)")
        // A plain `swift build` (as `swift test` builds the binary) passes no commit.
        #expect(lines.contains("commit: unknown (not built by scripts/install)"), "\(r)")
        #expect(lines.contains { $0.hasPrefix("swift: 6.") }, "\(r)")
        #if os(Linux) && arch(x86_64)
        #expect(lines.contains("platform: linux x86_64"), "\(r)")
        #endif
        // `swift test` builds a dynamic binary with the toolchain's shared Swift runtime.
        #expect(lines.contains("linkage: dynamic"), "\(r)")
        // The subcommand prints the same, and does not create the spool.
        let sub = s.run(["version"])
        #expect(sub.code == 0 && sub.out == r.out, "\(sub)")
        #expect(!FileManager.default.fileExists(atPath: s.root), "version must not create the spool")
    }

    @Test func versionJSON() throws {
        let s = TempSpool()
        let r = s.run(["version", "--json"])
        #expect(r.code == 0, "\(r)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], "\(r)")
        #expect(obj["version"] as? String == "0.9.0")
        #expect(obj["commit"] is NSNull, "\(r)")
        #expect((obj["swift"] as? String)?.hasPrefix("6.") == true, "\(r)")
        #expect(obj["linkage"] as? String == "dynamic", "\(r)")
        #expect(obj["platform"] as? String != nil, "\(r)")
        let bad = s.run(["version", "--bogus"])
        #expect(bad.code == 2, "\(bad)")
    }
}
