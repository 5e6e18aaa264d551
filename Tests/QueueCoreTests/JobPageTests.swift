import Testing
@testable import QueueCore

@Suite("job pages for the web API")
struct JobPageTests {
    @Test func pagesFollowTheCursorInClaimOrderAndNeverExceedTheLimit() throws {
        let s = try LibrarySpool("jobpage")
        defer { s.remove() }
        for i in 0..<7 { try s.add("p\(i)", priority: i % 3) }
        let expected = try s.spool.firstNames(in: .pending, limit: 100).compactMap { JobFileName.parseOrdered($0)?.id.rawValue }
        #expect(expected.count == 7)
        var seen: [String] = []
        var cursor: String? = nil
        var pages = 0
        repeat {
            let page = try s.spool.jobPage(state: .pending, after: cursor, limit: 3, search: nil)
            #expect(page.jobs.count <= 3)
            seen += page.jobs.map(\.id.rawValue)
            cursor = page.next
            pages += 1
        } while cursor != nil && pages < 10
        #expect(seen == expected)
        #expect(pages == 3)
    }

    @Test func searchMatchesIdOrCommandAndBoundsTheFilesRead() throws {
        let s = try LibrarySpool("jobsearch")
        defer { s.remove() }
        for i in 0..<20 {
            var job = Job(id: try JobID("s\(i)"), command: i == 13 ? "echo needle" : "true")
            job.priority = 0
            try s.spool.enqueue([job])
        }
        #expect(try s.spool.jobPage(state: .pending, after: nil, limit: 5, search: "needle").jobs.map(\.id.rawValue) == ["s13"])
        #expect(try s.spool.jobPage(state: .pending, after: nil, limit: 5, search: "s1").jobs.count == 5)
        // With a scan budget of 5 files and no match among them, the page is empty but goes on.
        let first = try s.spool.jobPage(state: .pending, after: nil, limit: 1, search: "needle", scanLimit: 5)
        #expect(first.jobs.isEmpty)
        #expect(first.next != nil)
        var cursor = first.next
        var found: [String] = []
        for _ in 0..<10 where cursor != nil {
            let page = try s.spool.jobPage(state: .pending, after: cursor, limit: 1, search: "needle", scanLimit: 5)
            found += page.jobs.map(\.id.rawValue)
            cursor = page.next
        }
        #expect(found == ["s13"])
        #expect(try s.spool.jobPage(state: .dead, after: nil, limit: 5, search: nil).jobs.isEmpty)
    }
}
