import QueueCore
import Testing

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

    @Test func iso8601RoundTrips() throws {
        let t = Timestamp(micros: 1_764_000_000_123_456)
        #expect(Timestamp(iso8601: t.iso8601) == t)
        #expect(Timestamp(compact: Substring(t.compact)) == t)
        #expect(Timestamp(iso8601: "2026-11-24T07:15:00+01:00") == Timestamp(iso8601: "2026-11-24T06:15:00Z"))
        #expect(Timestamp(iso8601: "2026-02-31T00:00:00Z") == nil)
        #expect(Timestamp(iso8601: "2026-11-24T07:15:00") == nil)
    }
}
