import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueCore

/// Through the binary: jobs that print nothing do not leave one log inode each (an empty log is
/// renamed into place for the worker's next job), while output, `logs`, `show` and the run
/// lock behave as before.
@Suite("recycled job logs (binary)")
struct RecycledLogCLITests {
    @Test func silentJobsLeaveNoLogEachAndOutputStaysWithItsJob() {
        let s = TempSpool()
        s.fast()
        for id in ["q1", "q2", "q3"] { #expect(s.run(["enqueue", "--id", id, "--command", "true"]).code == 0) }
        #expect(s.run(["enqueue", "--id", "p", "--command", "echo out-of-p"]).code == 0)
        for id in ["q4", "q5"] { #expect(s.run(["enqueue", "--id", id, "--command", "true"]).code == 0) }
        let w = s.start(["worker", "start", "--count", "1", "--exit-when-idle"])
        #expect(w.wait(timeout: 60) == 0, "\(w.output)\n\(w.errors)")
        #expect(s.ids(in: .completed).count == 6)
        let logs = s.files("logs")
        #expect(logs.count <= 2, "one empty log is reused, not one created per silent job: \(logs)")
        #expect(s.run(["logs", "p"]).out == "out-of-p\n")
        for id in ["q1", "q2", "q3", "q4", "q5"] {
            let r = s.run(["logs", id])
            #expect(r.code == 0 && r.out.isEmpty, "\(id): \(r)")
            #expect(!s.run(["show", id]).out.contains("out-of-p"))
        }
    }

    @Test func aLogStillHeldByAnAttemptsProcessIsNotReused() {
        let s = TempSpool()
        s.fast()
        // a's shell exits as soon as a process that left its group (so the worker's kill of
        // the group misses it) has started; that process keeps a's log (its stdout) open, and
        // so the run lock, for a second more.
        let detached = s.scratch("detached")
        #expect(s.run(["enqueue", "--id", "a", "--command",
                       "setsid sh -c 'touch \(detached); sleep 1' & while [ ! -e \(detached) ]; do sleep 0.01; done; exit 0"]).code == 0)
        #expect(s.run(["enqueue", "--id", "b", "--command", "echo out-of-b"]).code == 0)
        let w = s.start(["worker", "start", "--count", "1", "--exit-when-idle"])
        #expect(w.wait(timeout: 60) == 0, "\(w.output)\n\(w.errors)")
        #expect(s.files("logs").contains("a.log"), "a's log, held by its process, was not renamed: \(s.files("logs"))")
        #expect(s.run(["logs", "b"]).out == "out-of-b\n")
        #expect(s.run(["logs", "a"]).out.isEmpty)
    }

    @Test func twoSlotsRecyclingLogsNeverMistakeTheirOwnLockForAnEarlierAttempt() {
        // A reused log is renamed while a read-only descriptor holds its lock; a child that
        // the other slot spawns at that moment holds a copy of that descriptor until its exec.
        // The lock must be released explicitly, or the new attempt finds it held and waits
        // for an "earlier attempt" that does not exist.
        let s = TempSpool()
        s.fast()
        let n = 600
        let lines = (0..<n).map { _ in #"{"command":"true"}"# }.joined(separator: "\n") + "\n"
        #expect(s.run(["enqueue", "-"], stdin: lines).code == 0)
        let w = s.start(["worker", "start", "--count", "2", "--exit-when-idle"])
        #expect(w.wait(timeout: 120) == 0, "\(w.errors)")
        #expect(s.ids(in: .completed).count == n)
        #expect(!w.output.contains("earlier attempt") && !w.errors.contains("earlier attempt"),
                "\(w.output.split(separator: "\n").filter { $0.contains("earlier attempt") }.prefix(3))")
        #expect(s.files("logs").count <= 2 * RecycledLogsLimit.pool + 2, "\(s.files("logs").count) logs left")
    }
}

/// The pool bound, as the library has it (`RecycledLogs.limit`, internal).
enum RecycledLogsLimit { static let pool = 16 }
