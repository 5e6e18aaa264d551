#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Reading the input of `enqueue`: a job or command file, or standard input.
public enum JobInput {
    /// The bytes of the file at `path` (symlinks followed, as for any input file), or nil when
    /// it is larger than `Spool.maxJobFileSize`.
    /// - Throws: `SystemError` when it cannot be opened or read.
    public static func readFile(_ path: String) throws(SystemError) -> [UInt8]? {
        try FileSystem.readFile(path, limit: Spool.maxJobFileSize)
    }
}
