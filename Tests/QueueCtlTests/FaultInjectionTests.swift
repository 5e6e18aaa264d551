import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Every step of every transition, with the process killed right there (the documented hook
/// `QUEUECTL_CRASH_AT=<step>`: the process SIGKILLs itself after that step). Then `queuectl
/// recover` runs, and the job must be in exactly one state directory, in the state and with the
/// attempts spool-layout.md promises for that step, with valid JSON that matches its directory;
/// `fsck` must be clean and a second `recover` must find nothing. Finally a worker drains the
/// queue and the job must end where it would have without the crash, its command having run
/// exactly as often as the attempts say (each job appends its id to a ledger file).
@Suite("fault injection: a crash at every step, then recover")
struct FaultInjectionTests {
    /// How the crashing process is reached.
    enum Action: String, Sendable {
        /// `enqueue JSON` (one job, id j1).
        case enqueue
        /// `enqueue -` with 10 jobs (b0...b9): the batched path (one syncfs).
        case enqueueBatch
        /// `worker start --exit-when-idle` runs the job(s) and crashes.
        case worker
        /// The job first goes dead (max_retries 0), then `dlq retry j1` crashes; the job is revivable.
        case dlqRetry
        /// `hold j1` crashes.
        case hold
        /// `hold j1`, then `release j1` crashes.
        case release
        /// A worker crashes at `setupStep`, then `queuectl recover` crashes at `step`.
        case recover
        /// A worker crashes at `setupStep`, then the next worker crashes at `step` during its start-up recovery.
        case workerStartupRecovery
    }

    /// The job's command: `ok` appends its id to the ledger; `fail` appends then exits 3;
    /// `revivable` appends, then fails until the scratch file `revive` exists.
    enum Command: String, Sendable { case ok, fail, revivable }

    struct Case: Sendable, CustomTestStringConvertible {
        var action: Action
        var step: String
        var skip = 0
        var command = Command.ok
        var maxRetries = 2
        var setupStep: String? = nil
        /// Run with `QUEUECTL_NO_RENAME_FLAGS=1`: the plain-rename protocol of filesystems
        /// without RENAME_EXCHANGE (the fenced move, steps `fence:moved` and `fence:published`).
        var fenced = false
        /// After the crash and `recover`: "ID STATE ATTEMPTS RAN" entries separated by ","
        /// (STATE `absent`: the job must not exist; RAN: ledger lines of the job so far).
        var afterRecover: String
        /// After a worker drained the queue (same format).
        var afterDrain: String

        var testDescription: String {
            "\(action.rawValue) killed at \(step)\(skip > 0 ? " (skip \(skip))" : "")\(setupStep.map { " after a worker killed at \($0)" } ?? "")"
                + (command != .ok ? ", \(command.rawValue) job" : "") + (maxRetries != 2 ? ", max_retries \(maxRetries)" : "")
                + (fenced ? ", without RENAME_EXCHANGE" : "")
        }
    }

    static let batchIDs = (0..<10).map { "b\($0)" }

    static func all(_ ids: [String], _ spec: String) -> String { ids.map { "\($0) \(spec)" }.joined(separator: ",") }

    static let cases: [Case] = [
        // enqueue: not acknowledged before enqueue:renamed, so the job must simply not exist.
        Case(action: .enqueue, step: "enqueue:reserved", afterRecover: "j1 absent - 0", afterDrain: "j1 absent - 0"),
        Case(action: .enqueue, step: "enqueue:written", afterRecover: "j1 absent - 0", afterDrain: "j1 absent - 0"),
        Case(action: .enqueue, step: "enqueue:renamed", afterRecover: "j1 pending 0 0", afterDrain: "j1 completed 1 1"),
        Case(action: .enqueueBatch, step: "enqueue:reserved", afterRecover: all(batchIDs, "absent - 0"), afterDrain: all(batchIDs, "absent - 0")),
        Case(action: .enqueueBatch, step: "enqueue:written", afterRecover: all(batchIDs, "absent - 0"), afterDrain: all(batchIDs, "absent - 0")),
        Case(action: .enqueueBatch, step: "enqueue:renamed", afterRecover: all(batchIDs, "pending 0 0"), afterDrain: all(batchIDs, "completed 1 1")),
        // claim: before the command starts.
        Case(action: .worker, step: "claim:renamed", afterRecover: "j1 pending 0 0", afterDrain: "j1 completed 1 1"),
        Case(action: .worker, step: "claim:rewritten", afterRecover: "j1 pending 1 0", afterDrain: "j1 completed 2 1"),
        Case(action: .worker, step: "claim:rewritten", maxRetries: 0, afterRecover: "j1 dead 1 0", afterDrain: "j1 dead 1 0"),
        // success
        Case(action: .worker, step: "move:rewritten:completed", afterRecover: "j1 completed 1 1", afterDrain: "j1 completed 1 1"),
        Case(action: .worker, step: "move:renamed:completed", afterRecover: "j1 completed 1 1", afterDrain: "j1 completed 1 1"),
        // retry: a failed attempt with retries left
        Case(action: .worker, step: "move:rewritten:failed", command: .fail, afterRecover: "j1 failed 1 1", afterDrain: "j1 dead 3 3"),
        Case(action: .worker, step: "move:renamed:failed", command: .fail, afterRecover: "j1 failed 1 1", afterDrain: "j1 dead 3 3"),
        // dead: no retries left
        Case(action: .worker, step: "move:rewritten:dead", command: .fail, maxRetries: 0, afterRecover: "j1 dead 1 1", afterDrain: "j1 dead 1 1"),
        Case(action: .worker, step: "move:renamed:dead", command: .fail, maxRetries: 0, afterRecover: "j1 dead 1 1", afterDrain: "j1 dead 1 1"),
        // dlq retry: dead -> pending with attempts reset
        Case(action: .dlqRetry, step: "move:rewritten:pending", command: .revivable, maxRetries: 0, afterRecover: "j1 pending 0 1", afterDrain: "j1 completed 1 2"),
        Case(action: .dlqRetry, step: "move:renamed:pending", command: .revivable, maxRetries: 0, afterRecover: "j1 pending 0 1", afterDrain: "j1 completed 1 2"),
        // hold / release
        Case(action: .hold, step: "move:rewritten:held", afterRecover: "j1 held 0 0", afterDrain: "j1 completed 1 1"),
        Case(action: .hold, step: "move:renamed:held", afterRecover: "j1 held 0 0", afterDrain: "j1 completed 1 1"),
        Case(action: .release, step: "move:rewritten:pending", afterRecover: "j1 pending 0 0", afterDrain: "j1 completed 1 1"),
        Case(action: .release, step: "move:renamed:pending", afterRecover: "j1 pending 0 0", afterDrain: "j1 completed 1 1"),
        // recovery itself killed half-way (an interrupted attempt -> pending / dead; an interrupted claim -> back)
        Case(action: .recover, step: "move:rewritten:pending", setupStep: "claim:rewritten", afterRecover: "j1 pending 1 0", afterDrain: "j1 completed 2 1"),
        Case(action: .recover, step: "move:renamed:pending", setupStep: "claim:rewritten", afterRecover: "j1 pending 1 0", afterDrain: "j1 completed 2 1"),
        Case(action: .recover, step: "move:rewritten:dead", maxRetries: 0, setupStep: "claim:rewritten", afterRecover: "j1 dead 1 0", afterDrain: "j1 dead 1 0"),
        Case(action: .recover, step: "move:renamed:dead", maxRetries: 0, setupStep: "claim:rewritten", afterRecover: "j1 dead 1 0", afterDrain: "j1 dead 1 0"),
        Case(action: .recover, step: "move:rewritten:pending", setupStep: "claim:renamed", afterRecover: "j1 pending 0 0", afterDrain: "j1 completed 1 1"),
        Case(action: .recover, step: "move:renamed:pending", setupStep: "claim:renamed", afterRecover: "j1 pending 0 0", afterDrain: "j1 completed 1 1"),
        Case(action: .workerStartupRecovery, step: "move:rewritten:pending", setupStep: "claim:rewritten", afterRecover: "j1 pending 1 0", afterDrain: "j1 completed 2 1"),
        Case(action: .workerStartupRecovery, step: "move:renamed:pending", setupStep: "claim:rewritten", afterRecover: "j1 pending 1 0", afterDrain: "j1 completed 2 1"),
        // QUEUECTL_CRASH_SKIP: the second completion of a worker running k0, k1, k2 in order.
        // k2 is due 2 s after the others: a slot claims its next job while the committer records
        // the previous outcome, so only a later due time makes "k2 not claimed yet" (and "k1
        // recorded before k2's claim") certain at the crash.
        Case(action: .worker, step: "move:renamed:completed", skip: 1,
             afterRecover: "k0 completed 1 1,k1 completed 1 1,k2 pending 0 0",
             afterDrain: "k0 completed 1 1,k1 completed 1 1,k2 completed 1 1"),
        Case(action: .worker, step: "claim:rewritten", skip: 2,
             afterRecover: "k0 completed 1 1,k1 completed 1 1,k2 pending 1 0",
             afterDrain: "k0 completed 1 1,k1 completed 1 1,k2 completed 2 1"),
        // Without RENAME_EXCHANGE (GlusterFS, NFS): every move is a fenced move. The first
        // fence of a worker is its claim's rewrite (skip 0), the second its finish (skip 1).
        Case(action: .worker, step: "fence:moved", fenced: true, afterRecover: "j1 pending 1 0", afterDrain: "j1 completed 2 1"),
        Case(action: .worker, step: "fence:published", fenced: true, afterRecover: "j1 pending 1 0", afterDrain: "j1 completed 2 1"),
        Case(action: .worker, step: "fence:moved", skip: 1, fenced: true, afterRecover: "j1 completed 1 1", afterDrain: "j1 completed 1 1"),
        Case(action: .worker, step: "fence:published", skip: 1, fenced: true, afterRecover: "j1 completed 1 1", afterDrain: "j1 completed 1 1"),
        Case(action: .worker, step: "fence:moved", skip: 1, command: .fail, fenced: true, afterRecover: "j1 failed 1 1", afterDrain: "j1 dead 3 3"),
        Case(action: .worker, step: "fence:moved", skip: 1, command: .fail, maxRetries: 0, fenced: true, afterRecover: "j1 dead 1 1", afterDrain: "j1 dead 1 1"),
        Case(action: .worker, step: "move:renamed:completed", fenced: true, afterRecover: "j1 completed 1 1", afterDrain: "j1 completed 1 1"),
        Case(action: .hold, step: "fence:moved", fenced: true, afterRecover: "j1 held 0 0", afterDrain: "j1 completed 1 1"),
        Case(action: .hold, step: "fence:published", fenced: true, afterRecover: "j1 held 0 0", afterDrain: "j1 completed 1 1"),
        Case(action: .dlqRetry, step: "fence:moved", command: .revivable, maxRetries: 0, fenced: true, afterRecover: "j1 pending 0 1", afterDrain: "j1 completed 1 2"),
        Case(action: .recover, step: "fence:moved", setupStep: "claim:rewritten", fenced: true, afterRecover: "j1 pending 1 0", afterDrain: "j1 completed 2 1"),
        Case(action: .recover, step: "fence:published", setupStep: "claim:rewritten", fenced: true, afterRecover: "j1 pending 1 0", afterDrain: "j1 completed 2 1"),
        Case(action: .recover, step: "fence:moved", maxRetries: 0, setupStep: "claim:rewritten", fenced: true, afterRecover: "j1 dead 1 0", afterDrain: "j1 dead 1 0"),
    ]

    @Test(arguments: cases)
    func crashThenRecover(_ c: Case) throws {
        let s = TempSpool("crash")
        if c.fenced { s.baseEnv = ["QUEUECTL_NO_RENAME_FLAGS": "1"] }
        // time_unit 0.1: a failed attempt's retry is due 0.2 s later, so no slot can claim it
        // again before the committer reaches (and dies at) the step after the failure.
        s.fast(["poll_interval": "0.05", "lease": "1", "time_unit": "0.1"])
        let crash = ["QUEUECTL_CRASH_AT": c.step].merging(c.skip > 0 ? ["QUEUECTL_CRASH_SKIP": String(c.skip)] : [:]) { a, _ in a }

        func jobJSON(_ id: String) -> String {
            let cmd: String
            switch c.command {
            case .ok: cmd = "echo \(id) >> \(s.ledgerPath)"
            case .fail: cmd = "echo \(id) >> \(s.ledgerPath); exit 3"
            case .revivable: cmd = "echo \(id) >> \(s.ledgerPath); [ -e \(s.dir)/revive ] || exit 3"
            }
            let obj: [String: Any] = ["id": id, "command": cmd, "max_retries": c.maxRetries]
            return String(decoding: try! JSONSerialization.data(withJSONObject: obj), as: UTF8.self)
        }
        func mustRun(_ args: [String], stdin: String? = nil) throws {
            let r = s.run(args, stdin: stdin)
            try #require(r.code == 0, "queuectl \(args.joined(separator: " ")): \(r)")
        }
        func mustCrash(_ args: [String], stdin: String? = nil, _ env: [String: String]) throws {
            let r = s.run(args, stdin: stdin, env: env)
            try #require(r.code == killedBySIGKILL,
                         "queuectl \(args.joined(separator: " ")) with \(env) should have been killed at the crash point: \(r)")
        }
        let drainArgs = ["worker", "start", "--exit-when-idle"]
        // k2 (below) is due later; --exit-when-idle does not wait for a job due later.
        var lateDue: Timestamp?

        // Reach the crash point.
        switch c.action {
        case .enqueue:
            try mustCrash(["enqueue", jobJSON("j1")], crash)
        case .enqueueBatch:
            try mustCrash(["enqueue", "-"], stdin: Self.batchIDs.map(jobJSON).joined(separator: "\n"), crash)
        case .worker:
            if c.skip > 0 && !c.fenced {  // fenced: one job j1, whose claim is the first fence and its finish the second
                lateDue = Timestamp.now().adding(seconds: 2)
                let late = lateDue!.iso8601
                let k2 = jobJSON("k2").replacingOccurrences(of: #""id":"k2""#, with: #""id":"k2","run_at":"\#(late)""#)
                try #require(k2.contains(late))
                try mustRun(["enqueue", "-"], stdin: [jobJSON("k0"), jobJSON("k1"), k2].joined(separator: "\n"))
            } else {
                try mustRun(["enqueue", jobJSON("j1")])
            }
            // Without --exit-when-idle the worker waits for k2 to fall due; it dies at the crash point.
            try mustCrash(c.skip > 0 && !c.fenced ? ["worker", "start"] : drainArgs, crash)
        case .dlqRetry:
            try mustRun(["enqueue", jobJSON("j1")])
            try mustRun(drainArgs)
            try #require(s.copies(of: "j1").map(\.directory) == ["dead"], "setup: the job should be dead")
            FileManager.default.createFile(atPath: "\(s.dir)/revive", contents: Data())
            try mustCrash(["dlq", "retry", "j1"], crash)
        case .hold:
            try mustRun(["enqueue", jobJSON("j1")])
            try mustCrash(["hold", "j1"], crash)
        case .release:
            try mustRun(["enqueue", jobJSON("j1")])
            try mustRun(["hold", "j1"])
            try mustCrash(["release", "j1"], crash)
        case .recover, .workerStartupRecovery:
            try mustRun(["enqueue", jobJSON("j1")])
            try mustCrash(drainArgs, ["QUEUECTL_CRASH_AT": try #require(c.setupStep)])
            try #require(s.files("processing").count == 1, "setup: the claim should be left in processing/")
            try mustCrash(c.action == .recover ? ["recover"] : drainArgs, crash)
        }

        // Every process that touched the spool is dead now. Recover.
        let rec = s.run(["recover"])
        #expect(rec.code == 0, "recover after a crash at \(c.step): \(rec)")
        try check(s, c.afterRecover, when: "after the crash and recover")
        #expect(s.files("processing").isEmpty, "processing/ after recover: \(s.files("processing"))")
        #expect(s.files("tmp").isEmpty, "tmp/ after recover (every writer is dead): \(s.files("tmp"))")
        #expect(s.files("corrupt").isEmpty, "nothing should have been quarantined: \(s.files("corrupt"))")
        let fsck = s.run(["fsck"])
        #expect(fsck.code == 0, "fsck after recover: \(fsck)")
        let again = s.run(["recover"])
        #expect(again.code == 0 && again.out == "nothing to recover\n", "a second recover should find nothing: \(again)")

        // Drain: the job ends as it would have without the crash.
        if c.action == .hold { try mustRun(["release", "j1"]) }
        while let due = lateDue, Timestamp.now() < due { usleep(20_000) }
        try mustRun(drainArgs)
        try check(s, c.afterDrain, when: "after draining")
        let fsck2 = s.run(["fsck"])
        #expect(fsck2.code == 0, "fsck after draining: \(fsck2)")
    }

    /// Checks "ID STATE ATTEMPTS RAN" entries against the spool and the ledger.
    func check(_ s: TempSpool, _ spec: String, when: String) throws {
        let copies = s.allJobCopies()
        let ledger = s.ledgerLines()
        var expectedIDs = Set<String>()
        for entry in spec.split(separator: ",") {
            let f = entry.split(separator: " ").map(String.init)
            try #require(f.count == 4, "bad spec \(entry)")
            let (id, state, ran) = (f[0], f[1], Int(f[3])!)
            expectedIDs.insert(id)
            let found = copies[id] ?? []
            if state == "absent" {
                #expect(found.isEmpty, "\(when): job \(id) should not exist (its enqueue was not acknowledged), found \(found)")
            } else {
                try #require(found.count == 1, "\(when): job \(id) should be in exactly one directory, found \(found.isEmpty ? "none" : "\(found)")")
                let copy = found[0]
                #expect(copy.directory == state, "\(when): job \(id) should be in \(state)/, is \(copy)")
                #expect(copy.json != nil, "\(when): \(copy.directory)/\(copy.name) does not parse")
                #expect(copy.state == copy.directory, "\(when): JSON state of \(copy) differs from its directory")
                #expect(copy.id == id, "\(when): JSON id of \(copy) is \(copy.id ?? "nil")")
                #expect(copy.attempts == Int(f[2]), "\(when): job \(id) should have attempts \(f[2]): \(copy)")
            }
            let n = ledger.filter { $0 == id }.count
            #expect(n == ran, "\(when): job \(id)'s command should have run \(ran) time(s), ran \(n) (ledger: \(ledger))")
        }
        let unexpected = copies.keys.filter { !expectedIDs.contains($0) }
        #expect(unexpected.isEmpty, "\(when): unexpected jobs \(unexpected)")
        #expect(s.jobFileProblems().isEmpty, "\(when): \(s.jobFileProblems())")
    }
}

/// States a power cut (not a process crash) can leave, made by hand: the deterministic,
/// strace-free reproductions of what Tests/powerloss/crashsim.py finds (see PowerLossTests).
/// The claims belong to a worker that provably no longer runs (pid 2000000000 on this host).
@Suite("power-cut states made by hand, then recover")
struct PowerCutStateTests {
    static let deadWorker = ProcessTag(escapedHost: ProcessTag.current.host, pid: 2_000_000_000, startTime: 1).rawValue

    /// Where the second name of the job is made, from the state after `setup`.
    enum SecondName: String, Sendable, CaseIterable {
        /// The claim rename persisted in processing/ but its removal from pending/ did not.
        case claimedButStillPending
        /// A finished move persisted in completed/ but not its removal from processing/.
        case completedButStillClaimed
        /// `hold` persisted in held/ (content rewritten first) but not its removal from pending/.
        case heldButStillPending
    }

    @Test(arguments: SecondName.allCases)
    func bothNamesOfAnInterruptedMoveAreResolved(_ kind: SecondName) throws {
        let s = TempSpool("bothnames")
        s.fast()
        try #require(s.run("enqueue", #"{"id":"j1","command":"true"}"#).code == 0)
        let pendingName = try #require(s.files("pending").first)
        switch kind {
        case .claimedButStillPending:
            try FileManager.default.copyItem(atPath: "\(s.root)/pending/\(pendingName)",
                                             toPath: "\(s.root)/processing/\(Self.deadWorker).j1.json")
        case .completedButStillClaimed:
            try #require(s.run("worker", "start", "--exit-when-idle").code == 0)
            try FileManager.default.copyItem(atPath: "\(s.root)/completed/j1.json",
                                             toPath: "\(s.root)/processing/\(Self.deadWorker).j1.json")
        case .heldButStillPending:
            try #require(s.run("hold", "j1").code == 0)
            try FileManager.default.copyItem(atPath: "\(s.root)/held/j1.json", toPath: "\(s.root)/pending/\(pendingName)")
        }
        let rec = s.run("recover")
        #expect(rec.code == 0, "\(rec)")
        let copies = s.copies(of: "j1")
        #expect(copies.count == 1, "job j1 should be in one directory after recover: \(copies)")
        #expect(s.files("processing").isEmpty)
        #expect(s.jobFileProblems().isEmpty, "\(s.jobFileProblems())")
        #expect(s.run("fsck").code == 0)
    }

    /// An orphaned claim that is an empty file (its content was never flushed) is quarantined:
    /// recover must say so (and not "nothing to recover"), since the job is gone from the queue.
    @Test(arguments: ["enqueue:reserved", "enqueue:written"])
    func unacknowledgedEnqueueCanBeRetried(_ step: String) throws {
        let s = TempSpool("reenqueue")
        s.fast()
        let job = #"{"id":"j1","command":"true"}"#
        #expect(s.run(["enqueue", job], env: ["QUEUECTL_CRASH_AT": step]).code == killedBySIGKILL)
        #expect(s.run("recover").code == 0)
        #expect(s.run("show", "j1").code == 1, "the job should not exist")
        let again = s.run("enqueue", job)
        #expect(again.code == 0, "re-enqueueing an unacknowledged job: \(again)")
    }
}
