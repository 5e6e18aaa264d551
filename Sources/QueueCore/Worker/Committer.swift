import Dispatch
import Synchronization
import QueueSystem

/// Records a worker's job outcomes on a thread of its own (group commit), so a slot is free to
/// claim and start the next job while the previous result is being made durable. Outcomes that
/// arrive while a batch is being written form the next batch and share its fsyncs.
///
/// Invariant: `backlog` counts outcomes submitted and not yet recorded (or dropped); a worker
/// must not exit while it is non-zero. `onRecorded` runs on the committer's thread, once per
/// outcome, after its file is durable in its new directory (or recording failed).
final class Committer: @unchecked Sendable {
    struct Item: Sendable {
        var finish: Spool.Finish
        var onRecorded: @Sendable (SystemError?) -> Void
    }

    private let spool: Spool
    private let queue = LockedValue<[Item]>([])
    private let backlogCount = Atomic<Int>(0)
    private let wakeup = DispatchSemaphore(value: 0)

    /// Starts the committer's thread, which lives as long as the process.
    init(spool: Spool) {
        self.spool = spool
        DetachedThread.start { [self] in loop() }
    }

    /// Outcomes submitted and not yet recorded.
    var backlog: Int { backlogCount.load(ordering: .acquiring) }

    /// Queues one outcome; returns at once.
    func submit(_ finish: Spool.Finish, onRecorded: @escaping @Sendable (SystemError?) -> Void) {
        backlogCount.add(1, ordering: .releasing)
        queue.withLock { $0.append(Item(finish: finish, onRecorded: onRecorded)) }
        wakeup.signal()
    }

    private func loop() {
        while true {
            wakeup.wait()
            let batch = queue.takeAll()
            guard !batch.isEmpty else { continue }
            // Each submit signalled once; consume the signals of the items taken beyond the first.
            for _ in 1..<batch.count { wakeup.wait() }
            let errors = spool.recordOutcomes(batch.map(\.finish))
            for (item, error) in zip(batch, errors) {
                item.onRecorded(error)
                backlogCount.subtract(1, ordering: .releasing)
            }
        }
    }
}
