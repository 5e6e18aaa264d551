import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

@Suite("core flow through the binary")
struct CoreFlowTests {
    @Test func jobSucceedsPendingProcessingCompleted() throws {
        let s = TempSpool()
        let r = s.run("enqueue", #"{"id":"job1","command":"echo hi","max_retries":2}"#)
        #expect(r.code == 0, "\(r)")
        #expect(r.out == "job1\n")
        #expect(s.ids(in: .pending) == ["job1"])
        let name = try #require(s.files("pending").first)
        #expect(name.hasSuffix(".job1.json"))
        #expect(s.job("job1")?["state"] as? String == "pending")

        let w = s.run("worker", "start", "--exit-when-idle")
        #expect(w.code == 0, "\(w)")
        #expect(w.out.contains("start job1 attempt 1"))
        #expect(w.out.contains("end job1 completed"))
        #expect(s.ids(in: .completed) == ["job1"])
        #expect(s.files("pending").isEmpty && s.files("processing").isEmpty)
        let job = try #require(s.job("job1"))
        #expect(job["state"] as? String == "completed")
        #expect(job["attempts"] as? Int == 1)
        #expect(job["exit_code"] as? Int == 0)
        #expect(s.run("logs", "job1").out == "hi\n")
    }
}
