import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Config values through `set` and `load`: bad values are refused with the key named.
@Suite("config parsing")
struct ConfigParsingTests {
    func refused(_ key: String, _ value: String) -> Bool {
        var c = Config()
        do { try c.set(key, to: value) } catch let e {
            if case .invalidConfig(let m) = e { return m.contains(key) }
            return false
        }
        return false
    }

    @Test func badValuesAreRefused() {
        #expect(refused("lease", "0.5"))
        #expect(refused("max_retries", "-1"))
        #expect(refused("max_retries", "1.5"))
        #expect(refused("time_unit", "nan"))
        #expect(refused("retention", "forever"))
        #expect(refused("allow_shared_spool", "maybe"))
        var c = Config()
        #expect(throws: QueueError.self) { try c.set("no_such_key", to: "1") }
    }

    @Test func goodValuesAreParsed() throws {
        var c = Config()
        try c.set("retention", to: "7d")
        try c.set("max_retries", to: "5")
        try c.set("allow_shared_spool", to: "yes")
        #expect(c.retention == 7 * 86_400)
        #expect(c.maxRetries == 5)
        #expect(c.allowSharedSpool)
        #expect(try c.value(of: "max_retries") == "5")
    }

    @Test func loadRefusesBadFilesAndDefaultsMissingOnes() throws {
        let s = try LibrarySpool("config")
        defer { s.remove() }
        let p = s.dir + "/test-config.json"
        #expect(try Config.load(from: p + ".missing") == Config())
        func load(_ text: String) throws(QueueError) -> Config {
            FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
            return try Config.load(from: p)
        }
        #expect(try load(#"{"max_retries": 7, "lease": "45"}"#).maxRetries == 7)
        #expect(try load(#"{"max_retries": 7, "lease": "45"}"#).lease == 45)
        for bad in [#"{"lease": "abc"}"#, #"{"max_retries": -3}"#, "[1]", "not json", #"{"lease": [1]}"#] {
            #expect(throws: QueueError.self, "\(bad)") { try load(bad) }
        }
    }
}
