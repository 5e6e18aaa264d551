#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a `pthread_mutex_t`, for state shared between a worker's threads: a
/// plain class whose lock and value have stable addresses, usable where a `~Copyable`
/// `Synchronization.Mutex` is awkward. Corresponds to `pthread_mutex_lock(3)` /
/// `pthread_mutex_unlock(3)`.
public final class LockedValue<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value.
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

extension LockedValue {
    /// Takes every element out at once, leaving the array empty. (The whole array is swapped
    /// out: taking a prefix with `removeFirst(_:)` leaked the array's new buffer under Swift
    /// 6.3.1 on Linux, as valgrind showed for the worker's result queue.)
    public func takeAll<Element>() -> Value where Value == [Element] {
        withLock { list in
            let taken = list
            list = []
            return taken
        }
    }
}
