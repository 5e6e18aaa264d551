import Foundation
@testable import QueueCore
import Testing

/// `ProgressReporter` renders at most once per interval and nothing for a quick operation.
@Suite("progress reporter")
struct ProgressReporterTests {
    @Test func throttlesAndStaysSilentForQuickOperations() {
        var seen: [ProgressReporter.Update] = []
        let p = ProgressReporter(minInterval: 0.1) { seen.append($0) }
        for i in 1...10_000 { p.advance("writing", done: i, total: 10_000) }
        #expect(seen.isEmpty, "rendered before the first interval passed")
        #expect(!p.rendered)
        usleep(150_000)
        p.advance("writing", done: 10_001, total: 20_000)
        for i in 10_002...20_000 { p.advance("writing", done: i, total: 20_000) }
        #expect(seen.count == 1 && seen.first?.done == 10_001 && seen.first?.total == 20_000, "\(seen.count)")
        #expect(p.rendered)
    }
}
