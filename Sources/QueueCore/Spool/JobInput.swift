/// Reading the input of `enqueue`: a job or command file, or standard input.
public enum JobInput {
    /// The bytes of the file at `path` (symlinks followed, as for any input file), or nil when
    /// it is larger than `Spool.maxJobFileSize`.
    /// - Throws: `SystemError` when it cannot be opened or read.
    public static func readFile(_ path: String) throws(SystemError) -> [UInt8]? {
        try FileSystem.readFile(path, limit: Spool.maxJobFileSize)
    }

    /// Everything readable from `input` (standard input, say) until end of file, or nil when
    /// more than `limit` bytes.
    /// - Throws: `SystemError` when reading fails.
    public static func readAll(_ input: FileDescriptor, limit: Int = Int.max) throws(SystemError) -> [UInt8]? {
        try input.readAll(limit: limit)
    }
}
