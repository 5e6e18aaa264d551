import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

@Suite struct TimeLimitsTests {
    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e300, -1e300, -1, 0, 1.5, 9e12])
    func conversionsNeverTrap(_ seconds: Double) {
        let ns = TimeLimits.nanoseconds(seconds)
        #expect(ns <= UInt64(TimeLimits.maxSeconds * 1e9))
        #expect(TimeLimits.milliseconds(seconds, minimum: 1, maximum: 60_000) >= 1)
        _ = TimeLimits.micros(seconds)
        _ = MonotonicClock.deadline(after: seconds)
        let t = Timestamp.now().adding(seconds: seconds)
        #expect(!(t < TimeLimits.earliest) && !(TimeLimits.latest < t))
        #expect(t.compact.count == 22, "\(t.compact)")
        #expect(Timestamp(compact: Substring(t.compact)) == t)
    }

    @Test func saturatingValues() {
        #expect(TimeLimits.nanoseconds(1.5) == 1_500_000_000)
        #expect(TimeLimits.nanoseconds(-3) == 0)
        #expect(TimeLimits.nanoseconds(.nan) == 0)
        #expect(TimeLimits.clampedSeconds(1e300) == TimeLimits.maxSeconds)
        #expect(Timestamp.now().adding(seconds: 1e15) == TimeLimits.latest)
        #expect(TimeLimits.latest.iso8601 == "9999-12-31T23:59:59.999999Z")
        #expect(TimeLimits.earliest.iso8601 == "0000-01-01T00:00:00.000000Z")
        #expect(MonotonicClock.deadline(after: 1, from: .max - 5) == .max)
    }

    @Test func isoTimesOutsideYears0000To9999AreRefused() {
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59-10:00") == nil)
        #expect(Timestamp(iso8601: "0000-01-01T00:00:00+10:00") == nil)
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59.999999Z") == TimeLimits.latest)
        #expect(Timestamp(iso8601: "0000-01-01T00:00:00Z") == TimeLimits.earliest)
    }

    @Test func timeoutSecondsClampTheProductAndZeroMeansNone() throws {
        var c = Config()
        c.timeUnit = 86_400
        c.jobTimeout = TimeLimits.maxSeconds
        var job = Job(id: try JobID("a"), command: "true")
        #expect(c.timeoutSeconds(for: job) == TimeLimits.maxSeconds)
        job.timeout = 0
        #expect(c.timeoutSeconds(for: job) == nil)
        job.timeout = 2
        #expect(c.timeoutSeconds(for: job) == 172_800)
        c.jobTimeout = 0
        job.timeout = nil
        #expect(c.timeoutSeconds(for: job) == nil)
        c.backoffBase = 1_000_000
        c.backoffMax = TimeLimits.maxSeconds
        #expect(c.backoffSeconds(afterAttempt: 1_000_000) == TimeLimits.maxSeconds)
    }

    @Test func jobTimeoutIsBoundedAndZeroIsKept() throws {
        #expect(throws: QueueError.self) { try Job.decode(Array(#"{"command":"x","timeout":1e12}"#.utf8)) }
        #expect(throws: QueueError.self) { try Job.decode(Array(#"{"command":"x","timeout":1e300}"#.utf8)) }
        let zero = try Job.decode(Array(#"{"command":"x","timeout":0}"#.utf8))
        #expect(zero.timeout == 0)
        let back = try Job.decode(zero.encoded())
        #expect(back.timeout == 0)
        #expect(throws: QueueError.self) { try TimeLimits.check(units: 4000, timeUnit: 86_400, what: "--delay") }
        try TimeLimits.check(units: 3650, timeUnit: 86_400, what: "--delay")
    }
}
