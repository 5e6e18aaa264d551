#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This process's environment as C strings ready for `posix_spawn`'s `envp`, copied once, at
/// the first spawn, and kept for the life of the process (never freed), so that spawning a job
/// does not rebuild the whole environment each time (a worker spawns thousands).
///
/// Invariant: queuectl never changes its own environment (no `setenv`/`putenv`); a change
/// made after the first spawn would not reach later children. Entries without `=` are left out
/// (as `ProcessEnvironment.variables()` does); when a name appears twice, the last wins (as before: the
/// environment used to be read into a dictionary at every spawn).
final class InheritedEnvironment: @unchecked Sendable {
    /// One `NAME=value` entry; `pointer` is owned by the process-wide copy.
    struct Entry {
        let key: String
        let pointer: UnsafeMutablePointer<CChar>
    }

    /// Immutable after initialisation, hence safe to read from any thread.
    let entries: [Entry]

    static let shared = InheritedEnvironment()

    /// The last `pointers(without:)` answer: a worker overrides the same names at every spawn.
    private let lastFiltered = LockedValue<(names: Set<String>, pointers: [UnsafeMutablePointer<CChar>?])?>(nil)

    /// The entries whose name is not in `names`, in order (no terminating nil).
    func pointers(without names: Set<String>) -> [UnsafeMutablePointer<CChar>?] {
        if let hit = lastFiltered.withLock({ $0 }), hit.names == names { return hit.pointers }
        let filtered: [UnsafeMutablePointer<CChar>?] = entries.filter { !names.contains($0.key) }.map { $0.pointer }
        lastFiltered.withLock { $0 = (names, filtered) }
        return filtered
    }

    private init() {
        var entries: [Entry] = []
        var index: [String: Int] = [:]
        var e = environ
        while let p = e.pointee {
            e += 1
            guard let eq = strchr(p, 0x3d) else { continue }  // '='
            let keyBytes = UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: eq - p)
            let key = String(decoding: keyBytes, as: UTF8.self)
            guard let copy = strdup(p) else { continue }
            if let i = index[key] { entries[i] = Entry(key: key, pointer: copy); continue }  // the old copy is leaked: once
            index[key] = entries.count
            entries.append(Entry(key: key, pointer: copy))
        }
        self.entries = entries
    }
}
