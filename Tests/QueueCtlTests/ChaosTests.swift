import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Four worker processes (`--count 2` each) drain 2,000 jobs while a random worker is killed with
/// SIGKILL every 150-400 ms and replaced by a new one. Each job appends its id to a ledger.
/// Recovery of the killed workers' claims relies on same-host dead-pid detection (the lease is
/// 1 s, but a killed worker is recognised as dead at once). At the end every job must be in
/// completed/ exactly once, and an id may appear in the ledger more than once only when the job
/// has that many attempts (an earlier attempt was interrupted after its command had started),
/// and no two runs of one job may overlap in time: a killed worker leaves its running jobs'
/// processes alive, and they must be ended (or waited for) before the job runs again. Half of
/// the workers act as other hosts, and `lease` is changed while jobs run.
@Suite("chaos: kill -9 of workers while draining")
struct ChaosTests {
    static let jobCount = 2_000
    static let workerCount = 4

    @Test func everyJobCompletesOnceDespiteKilledWorkers() throws {
        let s = TempSpool("chaos")
        // kill_grace: long enough for a TERM trap to write its `end` line on a loaded machine (a
        // SIGKILL before it would look like an overlap in the ledger).
        s.fast(["poll_interval": "0.05", "lease": "1", "kill_grace": "2"])
        let ids = (0..<Self.jobCount).map { String(format: "c%04d", $0) }
        let ledger = s.ledgerPath
        // Each run appends `start ID N` and `end ID N` (also when terminated: the TERM trap), so
        // the ledger's order shows whether two runs of one job ever overlapped.
        // One job in ten runs 0.4 s, long enough to outlive its killed worker's recovery.
        let lines = ids.enumerated().map { n, id in
            // The trap comes first: a TERM that arrives right after `start` is written must
            // still write `end`, or the ledger would show an overlap that never happened.
            let command = "trap 'echo end \(id) $QUEUECTL_ATTEMPT >> \(ledger); exit 143' TERM; "
                + "echo start \(id) $QUEUECTL_ATTEMPT >> \(ledger); "
                + "sleep \(n % 10 == 0 ? "0.4" : "0.03"); echo end \(id) $QUEUECTL_ATTEMPT >> \(ledger)"
            return #"{"id":"\#(id)","command":"\#(command)","max_retries":1000}"#
        }
        let enq = s.run(["enqueue", "-"], stdin: lines.joined(separator: "\n"))
        try #require(enq.code == 0, "enqueue: \(enq)")

        let started = Date()
        var all: [RunningProcess] = []
        // Half of the workers act as two other hosts (QUEUECTL_HOST): their dead claims are
        // recovered by lease expiry, after the run lock of the interrupted attempt is free.
        func startWorker() -> RunningProcess {
            let host = ["", "", "chaos-a", "chaos-b"].randomElement()!
            let w = s.start(["worker", "start", "--count", "2"], env: host.isEmpty ? [:] : ["QUEUECTL_HOST": host])
            all.append(w)
            return w
        }
        var workers = (0..<Self.workerCount).map { _ in startWorker() }
        defer { for w in all { w.kill9() } }

        // Chaos until everything is completed (or the deadline).
        let deadline = Date().addingTimeInterval(90)
        var kills = 0
        var completed = 0
        while Date() < deadline {
            completed = s.files("completed").count
            if completed == Self.jobCount { break }
            usleep(UInt32.random(in: 150_000...400_000))
            let victim = Int.random(in: 0..<workers.count)
            workers[victim].signal(SIGKILL)  // the worker only: its jobs' process groups live on
            #expect(workers[victim].wait(timeout: 10) == killedBySIGKILL, "worker \(workers[victim].pid) should have died of SIGKILL")
            workers[victim] = startWorker()
            kills += 1
            // Lease changes mid-run must never take a live worker's jobs.
            if kills % 4 == 0 { _ = s.run(["config", "set", "lease", kills % 8 == 0 ? "1" : "3"]) }
        }
        let chaosSeconds = Date().timeIntervalSince(started)
        let where_ = "pending \(s.files("pending").count), processing \(s.files("processing")), failed \(s.files("failed").count), dead \(s.files("dead"))"
        #expect(completed == Self.jobCount,
                "after \(Int(chaosSeconds)) s and \(kills) kills only \(completed) of \(Self.jobCount) jobs completed; \(where_)")

        // Stop the survivors gracefully (once registered: a worker handles SIGTERM only from then on).
        for w in workers {
            #expect(eventually(timeout: 10) { s.files("workers").contains { $0.contains("-\(w.pid)-") } }, "worker \(w.pid) never registered")
            w.signal(SIGTERM)
        }
        for w in workers { #expect(w.wait(timeout: 20) == 0, "a worker did not stop cleanly: \(w.errors)") }

        // Exactly once in completed/, nowhere else, valid JSON.
        let copies = s.allJobCopies()
        #expect(Set(copies.keys) == Set(ids), "missing: \(Set(ids).subtracting(copies.keys).sorted().prefix(10)), unknown: \(Set(copies.keys).subtracting(ids).sorted().prefix(10))")
        let notOnce = copies.filter { $0.value.count != 1 || $0.value[0].directory != "completed" }
        #expect(notOnce.isEmpty, "jobs not exactly once in completed/: \(notOnce.sorted { $0.key < $1.key }.prefix(10).map { "\($0.key): \($0.value)" })")
        let problems = s.jobFileProblems()
        #expect(problems.isEmpty, "\(problems.prefix(10))")

        // The ledger: every job ran, ran more than once only if it had more attempts, and no two
        // runs of one job overlapped (a run's start never comes before the previous run's end).
        var runs: [String: Int] = [:]
        var open: [String: String] = [:]
        var overlaps: [String] = []
        for line in s.ledgerLines() {
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 3 else { overlaps.append("malformed ledger line '\(line)'"); continue }
            let (event, id) = (parts[0], parts[1])
            if event == "start" {
                if let running = open[id] { overlaps.append("\(id): attempt \(parts[2]) started while attempt \(running) ran") }
                open[id] = parts[2]
                runs[id, default: 0] += 1
            } else {
                open[id] = nil
            }
        }
        #expect(overlaps.isEmpty, "\(overlaps.count) overlapping runs: \(overlaps.prefix(10))")
        #expect(Set(runs.keys).subtracting(ids).isEmpty, "unexpected ledger lines: \(Set(runs.keys).subtracting(ids).sorted().prefix(10))")
        var tooMany: [String] = []
        var retried = 0
        var maxAttempts = 0
        for id in ids {
            let attempts = copies[id]?.first?.attempts ?? -1
            let n = runs[id] ?? 0
            if n < 1 || n > attempts { tooMany.append("\(id): ran \(n) times, attempts \(attempts)") }
            if attempts > 1 { retried += 1 }
            maxAttempts = max(maxAttempts, attempts)
        }
        #expect(tooMany.isEmpty, "\(tooMany.count) jobs ran more often than their attempts (or never): \(tooMany.prefix(10))")

        // The chaos really happened, and the killed workers' claims were recovered as "dead".
        #expect(kills >= 5, "only \(kills) kills: the test did not exercise recovery")
        #expect(retried > 0, "no job needed a second attempt: no kill interrupted a running job")
        let recoveredDead = all.map { $0.output }.joined().split(separator: "\n").filter { $0.contains(" recovered ") && $0.contains("is dead") }
        #expect(!recoveredDead.isEmpty, "no worker recovered a dead worker's claim")

        // Killed workers leave tmp/ files and registrations behind: recover cleans up, then fsck is clean.
        let rec = s.run(["recover"])
        #expect(rec.code == 0, "recover: \(rec)")
        let fsck = s.run(["fsck"])
        #expect(fsck.code == 0, "fsck: \(fsck)")
        print("chaos: \(Self.jobCount) jobs, \(kills) kills in \(String(format: "%.1f", chaosSeconds)) s, "
              + "\(retried) jobs retried (max attempts \(maxAttempts)), \(recoveredDead.count) dead-worker recoveries, "
              + "\(runs.values.filter { $0 > 1 }.count) ids in the ledger more than once")
    }
}
