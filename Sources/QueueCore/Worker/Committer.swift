import Dispatch
import Synchronization
import QueueSystem

/// A worker's commit thread: it makes the worker's claims and outcomes durable in cycles
/// (`Spool.commit`), so they share their fsyncs (group commit). What arrives while a cycle is
/// being written forms the next cycle; a cycle takes every queued outcome and at most
/// `claim_batch` claims. A lone claim on an idle worker is committed at once, on its own.
///
/// Invariant: `backlog` counts outcomes submitted and not yet recorded (or dropped); a worker
/// must not exit while it is non-zero. `onRecorded` runs on the commit thread, once per
/// outcome, after its file is durable in its new directory (or recording failed). A claim's
/// `ClaimTicket` is settled as soon as the claim is durable, before the cycle's outcomes end.
final class Committer: @unchecked Sendable {
    struct Outcome: Sendable {
        var finish: Spool.Finish
        var onRecorded: @Sendable (SystemError?) -> Void
    }

    private struct Queued {
        var claims: [(Spool.ClaimRequest, ClaimTicket)] = []
        var outcomes: [Outcome] = []
    }

    private let spool: Spool
    private let worker: ProcessTag
    /// `claim_batch`: the most claims one cycle commits (the worker keeps it current).
    let claimBatch = Atomic<Int>(8)
    private let queue = LockedValue(Queued())
    private let backlogCount = Atomic<Int>(0)
    private let wakeup = DispatchSemaphore(value: 0)
    /// Outcomes were queued with `wakeLater` and no signal has been sent for them yet.
    private let unwoken = Atomic<Bool>(false)
    /// Cycles that committed at least one claim, and the claims they committed.
    let claimCycles = Atomic<Int>(0)
    let claimsCommitted = Atomic<Int>(0)

    /// Starts the commit thread, which lives as long as the process.
    init(spool: Spool, worker: ProcessTag) {
        self.spool = spool
        self.worker = worker
        DetachedThread.start { [self] in loop() }
    }

    /// Outcomes submitted and not yet recorded.
    var backlog: Int { backlogCount.load(ordering: .acquiring) }

    /// Queues one outcome; returns at once. With `wakeLater`, the commit thread is not woken:
    /// the caller promises a `kick()` soon (the worker's loop, after it claimed the freed
    /// slot's next job, so that claim and this outcome share a cycle).
    func submit(_ finish: Spool.Finish, wakeLater: Bool = false, onRecorded: @escaping @Sendable (SystemError?) -> Void) {
        backlogCount.add(1, ordering: .releasing)
        queue.withLock { $0.outcomes.append(Outcome(finish: finish, onRecorded: onRecorded)) }
        if wakeLater { unwoken.store(true, ordering: .releasing) } else { wakeup.signal() }
    }

    /// Wakes the commit thread for outcomes queued with `wakeLater`, if any.
    func kick() {
        if unwoken.exchange(false, ordering: .acquiringAndReleasing) { wakeup.signal() }
    }

    /// Queues claims (won by their renames) to be committed together; returns at once with a
    /// ticket per claim, settled once its cycle made it durable.
    func submit(claims: [Spool.ClaimRequest]) -> [ClaimTicket] {
        let tickets = claims.map { _ in ClaimTicket() }
        queue.withLock { $0.claims.append(contentsOf: zip(claims, tickets).map { ($0, $1) }) }
        unwoken.store(false, ordering: .releasing)
        wakeup.signal()
        return tickets
    }

    private func loop() {
        // processing/ has unlinks not yet fsynced (a cycle left them to the next one).
        var processingDirty = false
        while true {
            wakeup.wait()
            // Extra signals (one per submit) only make empty turns.
            while true {
                guard let (claims, outcomes) = take() else {
                    if processingDirty {
                        _ = try? FileSystem.syncDirectory(spool.directory(.processing))
                        processingDirty = false
                    }
                    break
                }
                // More work queued by the end of this cycle: the next cycle fsyncs processing/.
                let errors = spool.commit(claims: claims.map(\.0), outcomes: outcomes.map(\.finish), worker: worker,
                                          processingUnsynced: &processingDirty,
                                          deferProcessingSync: { self.hasQueuedWork }) { results in
                    let claimed = results.filter { if case .success(.claimed) = $0 { true } else { false } }.count
                    if claimed > 0 {
                        claimCycles.add(1, ordering: .relaxed)
                        claimsCommitted.add(claimed, ordering: .relaxed)
                    }
                    for ((_, ticket), result) in zip(claims, results) { ticket.settle(result) }
                }
                for (item, error) in zip(outcomes, errors) {
                    item.onRecorded(error)
                    backlogCount.subtract(1, ordering: .releasing)
                }
            }
        }
    }

    /// True when claims or outcomes wait for the next cycle.
    private var hasQueuedWork: Bool { queue.withLock { !$0.claims.isEmpty || !$0.outcomes.isEmpty } }

    /// The next cycle's work: every queued outcome and up to `claim_batch` claims; nil when
    /// nothing is queued.
    private func take() -> ([(Spool.ClaimRequest, ClaimTicket)], [Outcome])? {
        let limit = max(1, claimBatch.load(ordering: .relaxed))
        return queue.withLock { q in
            guard !q.claims.isEmpty || !q.outcomes.isEmpty else { return nil }
            // Whole arrays swapped out, not `removeFirst` (see `LockedValue.takeAll`).
            let claims: [(Spool.ClaimRequest, ClaimTicket)]
            if q.claims.count <= limit {
                claims = q.claims
                q.claims = []
            } else {
                claims = Array(q.claims[..<limit])
                q.claims = Array(q.claims[limit...])
            }
            let outcomes = q.outcomes
            q.outcomes = []
            return (claims, outcomes)
        }
    }
}

/// The result of one claim's commit, waited for by the thread that will run it.
final class ClaimTicket: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Spool.ClaimResult?

    func settle(_ result: Spool.ClaimResult) {
        self.result = result
        done.signal()
    }

    /// Blocks until the claim's cycle has settled it.
    func wait() -> Spool.ClaimResult {
        done.wait()
        return result!
    }
}
