#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A FIFO of values handed from one thread to others: `put` wakes one waiting `take`.
/// Corresponds to `pthread_cond_wait(3)` / `pthread_cond_signal(3)` under a mutex. Unbounded:
/// the producer bounds what it puts.
public final class BlockingQueue<Element>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    private var items: [Element] = []
    private var head = 0

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        cond = .allocate(capacity: 1)
        cond.initialize(to: pthread_cond_t())
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond); cond.deallocate()
        pthread_mutex_destroy(mutex); mutex.deallocate()
    }

    public func put(_ item: Element) {
        pthread_mutex_lock(mutex)
        items.append(item)
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    /// The oldest item, waiting at most `timeoutMilliseconds` for one; nil on timeout.
    public func take(timeoutMilliseconds: Int) -> Element? {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let total = Int(ts.tv_nsec) + (timeoutMilliseconds % 1000) * 1_000_000
        ts.tv_sec += timeoutMilliseconds / 1000 + total / 1_000_000_000
        ts.tv_nsec = total % 1_000_000_000
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while head == items.count {
            if pthread_cond_timedwait(cond, mutex, &ts) == ETIMEDOUT && head == items.count { return nil }
        }
        let item = items[head]
        head += 1
        if head == items.count { items = []; head = 0 }
        return item
    }
}
