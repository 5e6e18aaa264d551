#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FileDescriptor {
    /// Takes an exclusive advisory lock on the open file description, waiting as long as another
    /// description holds it. Released by `unlock()` or when the description is closed (also when
    /// the process dies). Corresponds to `flock(2)` with `LOCK_EX`.
    /// - Throws: `SystemError` (e.g. `ENOLCK`, a filesystem without locks).
    public func lockExclusive(path: String? = nil) throws(SystemError) {
        try retryingEINTR("flock", path: path) { flock(rawValue, LOCK_EX) }
    }

    /// Releases this open file description's `flock` lock, if it holds one, at once, even while
    /// copies of the descriptor live on elsewhere (e.g. in a child another thread is spawning,
    /// which holds a copy of every descriptor until its `exec` closes them). Corresponds to
    /// `flock(2)` with `LOCK_UN`; errors are ignored (nothing is held then).
    public func unlock() {
        _ = try? retryingEINTR("flock") { flock(rawValue, LOCK_UN) }
    }

    /// Reads at most `count` bytes at `offset` without moving the file offset (fewer at the end
    /// of the file). Corresponds to `pread(2)`, looped over short reads.
    public func read(at offset: Int64, count: Int, path: String? = nil) throws(SystemError) -> [UInt8] {
        guard count > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = try retryingEINTR("pread", path: path) {
                buffer.withUnsafeMutableBytes { raw in pread(rawValue, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            }
            if n == 0 { break }
            done += n
        }
        return Array(buffer[0..<done])
    }
}
