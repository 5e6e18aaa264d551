import Synchronization
import QueueSystem

/// Whether processing/ has unlinks not yet made durable, so that one fsync of processing/ (a
/// claim commit's) covers the outcomes recorded before it. Generations: an fsync that started
/// after an unlink covers it. Thread-safe.
public final class ProcessingSync: Sendable {
    private let unlinkedGeneration = Atomic<Int>(0)
    private let syncedGeneration = Atomic<Int>(0)

    public init() {}

    /// Claim names were unlinked from processing/ (not yet fsynced).
    func unlinked() { unlinkedGeneration.add(1, ordering: .sequentiallyConsistent) }

    /// An fsync of processing/ is about to start: returns what it will cover.
    func startingSync() -> Int { unlinkedGeneration.load(ordering: .sequentiallyConsistent) }

    /// That fsync succeeded.
    func synced(_ generation: Int) {
        var current = syncedGeneration.load(ordering: .sequentiallyConsistent)
        while current < generation {
            let (exchanged, original) = syncedGeneration.compareExchange(expected: current, desired: generation, ordering: .sequentiallyConsistent)
            if exchanged { return }
            current = original
        }
    }

    /// Unlinks wait for an fsync of processing/.
    public var needsSync: Bool {
        syncedGeneration.load(ordering: .sequentiallyConsistent) < unlinkedGeneration.load(ordering: .sequentiallyConsistent)
    }

    /// Fsyncs processing/ when unlinks wait for it.
    public func syncIfNeeded(_ spool: Spool) {
        guard needsSync else { return }
        let covered = startingSync()
        if (try? FileSystem.syncDirectory(spool.directory(.processing))) != nil { synced(covered) }
    }
}
