import Foundation
import Testing

/// `claim_batch`: a worker commits the claims of one turn together (one cycle of fsyncs), at
/// most `claim_batch` of them; the event log says how many shared the commit.
@Suite("claim batches through the binary")
struct ClaimBatchTests {
    /// The `reason` of each `pending -> processing` line of the event log.
    func claimReasons(_ s: TempSpool) -> [String] {
        s.read(s.root + "/events/events.log").split(separator: "\n").compactMap { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["to"] as? String == "processing" else { return nil }
            return o["reason"] as? String
        }
    }

    @Test(arguments: [(4, 4), (2, 2), (1, 1)])
    func claimsOfOneTurnShareOneCommit(claimBatch: Int, expectedPerCommit: Int) throws {
        let s = TempSpool()
        s.fast(["claim_batch": String(claimBatch)])
        for i in 1...4 { s.enqueue(#"{"id":"c\#(i)","command":"echo ran"}"#) }
        let w = s.run("worker", "start", "--count", "4", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(s.ids(in: .completed) == ["c1", "c2", "c3", "c4"])
        let reasons = claimReasons(s)
        let expected = expectedPerCommit > 1 ? "claimed (\(expectedPerCommit) in one commit)" : "claimed"
        #expect(reasons == Array(repeating: expected, count: 4), "\(reasons)")
        for i in 1...4 {
            #expect(s.job("c\(i)")?["attempts"] as? Int == 1)
            #expect(s.run("logs", "c\(i)").out == "ran\n")
        }
    }

    @Test func claimBatchIsValidated() throws {
        let s = TempSpool()
        for bad in ["0", "257", "-1", "2.5", "x"] {
            let r = s.run("config", "set", "claim_batch", bad)
            #expect(r.code == 2, "\(bad): \(r)")
            #expect(r.err.contains("claim_batch") && r.err.contains("1...256"), "\(r.err)")
        }
        #expect(s.run("config", "get", "claim_batch").out == "8\n")
        #expect(s.run("config", "set", "claim_batch", "16").code == 0)
        #expect(s.run("config", "get", "claim_batch").out == "16\n")
    }
}
