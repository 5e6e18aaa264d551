#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Reading a job's log (`logs/<id>.log`: the captured stdout and stderr of all its attempts),
/// whole or as it grows.
public struct JobLog: Sendable {
    public let spool: Spool
    public let id: JobID

    public init(spool: Spool, id: JobID) {
        self.spool = spool
        self.id = id
    }

    /// The log's bytes from `offset` to its current end; empty when the log does not exist
    /// (yet). The next offset is `offset + result.count`. Bytes read from an inode that the
    /// log's name no longer refers to afterwards (it was deleted, or reused as a later job's
    /// log: `RecycledLogs`) are not returned.
    /// - Throws: `QueueError.system` when the log exists but cannot be read.
    public func read(from offset: Int64) throws(QueueError) -> [UInt8] {
        let path = spool.logPath(id)
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(path, flags: O_RDONLY | O_NOFOLLOW) } catch where error.isNotFound {
            return []
        } catch {
            throw .system(error)
        }
        defer { fd.close() }
        guard lseek(fd.rawValue, off_t(offset), SEEK_SET) >= 0 else { return [] }
        let bytes: [UInt8]
        do { bytes = try fd.readAll(path: path) ?? [] } catch { throw .system(error) }
        return bytes.isEmpty || spool.logStillNames(id, fd) ? bytes : []
    }

    /// Passes the log's bytes to `output` as they are written, until the job has finished (it
    /// is no longer pending or processing, or no longer exists) and the rest is passed, or
    /// `keepGoing` returns false. With `follow` false, passes what is there now and returns.
    /// Checks for new bytes every 50 ms.
    /// - Throws: `QueueError.notFound` when the job does not exist at the start; as `read`.
    public func stream(follow: Bool, keepGoing: () -> Bool = { true }, output: ([UInt8]) -> Void) throws(QueueError) {
        guard try spool.locate(id) != nil else { throw .notFound(id.rawValue) }
        var offset: Int64 = 0
        func copy() throws(QueueError) {
            let bytes = try read(from: offset)
            offset += Int64(bytes.count)
            output(bytes)
        }
        while true {
            try copy()
            guard follow, keepGoing() else { return }
            guard let loc = try spool.locate(id) else { return }
            if loc.state != .pending && loc.state != .processing {
                try copy()
                return
            }
            ProcessControl.sleep(seconds: 0.05)
        }
    }
}

extension Spool {
    /// Appends one line from the queue itself (`queuectl: ...`) to `logs/<id>.log`, where the
    /// job's own output goes: e.g. a late result that could not be recorded. Best effort: a log
    /// that cannot be written is skipped (the caller reports the same text elsewhere too).
    public func appendQueueNote(_ id: JobID, _ text: String) {
        guard let fd = try? FileDescriptor.open(logPath(id), flags: O_WRONLY | O_APPEND | O_CREAT) else { return }
        defer { fd.close() }
        try? fd.writeAll(Array("queuectl: \(text)\n".utf8), path: logPath(id))
    }
}
