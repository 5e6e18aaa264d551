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

/// `BatchNames` and `BatchIDs` (the byte-built names of `enqueue`) must equal the `String` ones.
@Suite("batch names")
struct BatchNamesTests {
    @Test func namesEqualTheStringOnes() throws {
        let spool = Spool(root: "/some/spool root")
        var names = BatchNames(spool)
        var t = Timestamp(micros: 1_764_758_400_123_456)
        for i in 0..<3_000 {
            var job = Job(id: try JobID("id-\(i)"), command: "true", now: t)
            job.priority = [0, 9999, -9999, 1, -1, 42][i % 6]
            job.runAt = [t, Timestamp(micros: -62_135_596_800_000_000), Timestamp(micros: 253_402_300_799_999_999), Timestamp(micros: -1)][i % 4 == 0 ? i % 16 / 4 : 0]
            for state in JobState.allCases {
                job.state = state
                #expect(names.destination(job) == spool.path(state.directory, JobFileName.name(for: job, in: state)))
            }
            #expect(names.marker(job.id) == spool.markerPath(job.id))
            let tmp = names.tmp(job.id)
            #expect(tmp.hasPrefix(spool.path("tmp", ProcessTag.current.rawValue) + ".") && tmp.hasSuffix(".\(job.id).tmp"))
            t = Timestamp(micros: t.micros + 333_333)
        }
    }

    @Test func batchIDsAreGeneratedIDs() throws {
        var ids = BatchIDs()
        // Far in the future, increasing: the process's last generated microsecond is below.
        var t = Timestamp(micros: 3_900_000_000_000_000)
        for i in 0..<3_000 {
            let r = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            let hex = String(r & 0xffff, radix: 16)
            let expected = "j" + Timestamp(micros: t.micros).compact.dropLast() + String(repeating: "0", count: 4 - hex.count) + hex
            if i % 2 == 0 {
                #expect(ids.id(now: t, random: r).rawValue == expected)
            } else {
                #expect(JobID.generate(now: t, random: r).rawValue == expected)
            }
            t = Timestamp(micros: t.micros + Int64(1 + i * 7919 % 2_000_000))
        }
        // The same instant twice: strictly increasing, as JobID.generate.
        let a = ids.id(now: t, random: 1), b = ids.id(now: t, random: 1)
        #expect(a.rawValue < b.rawValue)
        #expect(try JobID(a.rawValue) == a)
    }
}
