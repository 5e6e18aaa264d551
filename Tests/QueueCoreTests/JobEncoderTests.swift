@testable import QueueCore
import Testing

/// `JobEncoder` (the batch writer of job files) must write exactly what `Job.encoded()` writes.
@Suite("job encoder")
struct JobEncoderTests {
    @Test func everyShapeOfJobEncodesAsEncodedDoes() throws {
        var encoder = JobEncoder()
        let now = Timestamp(micros: 1_764_758_400_123_456)
        var jobs: [Job] = []
        var plain = Job(id: try JobID("j1"), command: "true", now: now)
        jobs.append(plain)
        plain.command = "echo \"a\\b\"\n\t\u{1}\u{7f} é ✓ /x"
        plain.maxRetries = 3; plain.priority = -9999; plain.attempts = 1_000_000; plain.exitCode = -1_000_000
        plain.timeout = 2.5; plain.lastError = "exit code 3"; plain.worker = "h-1-2"
        plain.startedAt = Timestamp(micros: -62_135_596_800_000_000)  // 0001-01-01
        plain.finishedAt = Timestamp(micros: 253_402_300_799_999_999)  // 9999-12-31T23:59:59.999999Z
        plain.runAt = Timestamp(micros: -1)                             // 1969-12-31T23:59:59.999999Z
        plain.state = .failed
        jobs.append(plain)
        plain.timeout = 0; jobs.append(plain)
        plain.timeout = 1e20; jobs.append(plain)
        plain.timeout = 315_576_000; jobs.append(plain)
        plain.after = [try JobID("a"), try JobID("b")]; jobs.append(plain)
        plain.extra = ["group": .string("g"), "unique_key": .string("k"), "zzz": .object(["b": .array([.int(1), .null]), "a": .object([:])]),
                       "aaa": .array([]), "Z": .bool(true), "ümlaut": .double(0.1), "id": .string("shadowed"), "after": .string("shadowed")]
        jobs.append(plain)
        plain.after = []; jobs.append(plain)
        plain.extra = ["history": .array([.object(["attempt": .int(1), "output": .string("a\nb")])]), "history_dropped": .int(2)]
        jobs.append(plain)
        var t = now
        for i in 0..<2_000 {  // seconds and microseconds rolling over, and back again
            var j = Job(id: try JobID("s\(i)"), command: "c", now: t)
            j.runAt = Timestamp(micros: t.micros - Int64(i % 3) * 999_999)
            jobs.append(j)
            t = Timestamp(micros: t.micros + 777_777)
        }
        for job in jobs {
            let fast = encoder.encode(job)
            #expect(fast == job.encoded(), "\(String(decoding: fast, as: UTF8.self))")
        }
    }
}
