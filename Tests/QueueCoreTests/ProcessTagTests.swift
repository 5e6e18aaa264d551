@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

@Suite("worker ids (process tags)")
struct ProcessTagTests {
    @Test func hostNamesThatDifferStayDifferent() {
        let names = ["a.b", "a_b", "a-b", "a b", "ab", "A.b", "caf\u{e9}", "cafe", "host", ""]
        let escaped = names.map { ProcessTag(hostName: $0, pid: 1, startTime: 2).host }
        #expect(Set(escaped).count == names.count, "\(escaped)")
        #expect(escaped[0] == "a_2Eb" && escaped[1] == "a_5Fb" && escaped[2] == "a_2Db")
        for e in escaped { #expect(e.utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }) }
    }

    @Test func tagsRoundTripThroughTheirText() throws {
        for name in ["web-1.example.com", "vm", "x_y", String(repeating: "h", count: 64), String(repeating: "é", count: 40)] {
            let tag = ProcessTag(hostName: name, pid: 4242, startTime: 987_654)
            let parsed = try #require(ProcessTag(tag.rawValue), "\(tag)")
            #expect(parsed == tag)
            #expect(parsed.pid == 4242 && parsed.startTime == 987_654)
            #expect(tag.host.utf8.count <= 64)
        }
    }

    @Test func longHostNamesAreBoundedAndDistinct() {
        let a = ProcessTag(hostName: String(repeating: ".", count: 60) + "a", pid: 1, startTime: 1).host
        let b = ProcessTag(hostName: String(repeating: ".", count: 60) + "b", pid: 1, startTime: 1).host
        #expect(a != b)
        #expect(a.utf8.count == 64 && b.utf8.count == 64)
    }

    @Test(arguments: ["", "a-1", "a-b-1-2", "a.b-1-2", "-1-2", "a-x-2", "a-1-y", "a-1-2-3", String(repeating: "a", count: 65) + "-1-2"])
    func malformedTagsAreRefused(_ raw: String) {
        #expect(ProcessTag(raw) == nil)
    }
}

@Suite("process identity")
struct ProcessIdentityTests {
    @Test func aZombieCountsAsGone() throws {
        let child = try ChildProcess.spawn("/bin/true", [], stdout: "/dev/null", stderr: nil, newProcessGroup: false)
        #expect(ProcessIdentity.startTime(of: getpid()) != nil)
        // Not reaped yet: once it has exited it is a zombie, which runs nothing.
        var state = ""
        for _ in 0..<2000 {
            let stat = (try? FileSystem.readFile("/proc/\(child.pid)/stat", limit: 4096)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? ""
            state = stat.split(separator: ")").last.map { String($0.dropFirst().prefix(1)) } ?? ""
            if state == "Z" { break }
            usleep(1000)
        }
        #expect(state == "Z")
        #expect(ProcessIdentity.startTime(of: child.pid) == nil)
        _ = child.wait(untilMonotonicNanos: nil)
        #expect(ProcessIdentity.startTime(of: child.pid) == nil)
    }
}
