import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

@Suite struct JobFileNameTests {
    @Test func orderedNamesSortByPriorityThenDue() throws {
        let t0 = Timestamp(micros: 1_700_000_000_000_000)
        let high = JobFileName.ordered(priority: 5, due: t0.adding(seconds: 10), id: try JobID("b"))
        let lowEarly = JobFileName.ordered(priority: 0, due: t0, id: try JobID("a"))
        let lowLate = JobFileName.ordered(priority: 0, due: t0.adding(seconds: 1), id: try JobID("c"))
        #expect([lowLate, lowEarly, high].sorted() == [high, lowEarly, lowLate])
        let parsed = try #require(JobFileName.parseOrdered(lowEarly))
        #expect(parsed.id.rawValue == "a" && parsed.due == t0 && parsed.rank == 10000)
    }

    @Test(arguments: ["", "a/b", "..", "a..b", ".hidden", "-x", "a\u{0}b", "tab\there", "x.json", "x.tmp", String(repeating: "a", count: 129)])
    func invalidIDsAreRefused(_ raw: String) {
        #expect(!JobID.isValid(raw))
    }

    /// The byte parser used by scans agrees with the id rules and the name pattern.
    @Test(arguments: [
        ("09995.20261124T071500123456Z.job-1.json", "job-1"),
        ("10000.20261124T071500123456Z.caf\u{e9}.json", "caf\u{e9}"),
        ("10000.20261124T071500123456Z.a.b.json", "a.b"),
        ("10000.20261124T071500123456Z..hidden.json", nil),
        ("10000.20261124T071500123456Z.a..b.json", nil),
        ("10000.20261124T071500123456Z.-x.json", nil),
        ("10000.20261124T071500123456Z.x.tmp.json", nil),
        ("10000.20261124T071500123456Z.x.json.json", nil),
        ("10000.20261124T071500123456Z.tab\there.json", nil),
        ("10000.20261124T071500123456Z.sp ace.json", nil),
        ("10000.20261124T071500123456Z.nbsp\u{a0}x.json", nil),
        ("10000.20261124T071500123456Z..json", nil),
        ("1000x.20261124T071500123456Z.a.json", nil),
        ("10000.20261124T071500123456.a.json", nil),
        ("10000.20261124X071500123456Z.a.json", nil),
        ("10000-20261124T071500123456Z.a.json", nil),
        ("10000.20261124T071500123456Z.a.jsom", nil),
        ("10000.20261124T071500123456Z.\(String(repeating: "a", count: 128)).json", String(repeating: "a", count: 128)),
        ("10000.20261124T071500123456Z.\(String(repeating: "a", count: 129)).json", nil),
    ] as [(String, String?)])
    func orderedNamesParseFromBytes(_ name: String, _ id: String?) {
        let parsed = JobFileName.parseOrdered(name)
        #expect(parsed?.id.rawValue == id, "\(name)")
        if let parsed {
            #expect(parsed.rank == Int(name.prefix(5)))
            #expect(parsed.due == Timestamp(compact: name.dropFirst(6).prefix(22)))
            #expect(JobID.isValid(parsed.id.rawValue))
        }
    }

    @Test func iso8601RoundTrips() throws {
        let t = Timestamp(micros: 1_764_000_000_123_456)
        #expect(Timestamp(iso8601: t.iso8601) == t)
        #expect(Timestamp(compact: Substring(t.compact)) == t)
        #expect(Timestamp(iso8601: "2026-11-24T07:15:00+01:00") == Timestamp(iso8601: "2026-11-24T06:15:00Z"))
        #expect(Timestamp(iso8601: "2026-02-31T00:00:00Z") == nil)
        #expect(Timestamp(iso8601: "2026-11-24T07:15:00") == nil)
    }
}
