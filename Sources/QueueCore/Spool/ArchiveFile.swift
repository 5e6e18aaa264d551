#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// The day files of `archive/`: what a line holds, how it is appended durably, and how a
/// staged job's line is recognised (see `Spool.archive`).
extension Spool {
    /// `YYYY-MM-DD` (UTC) of the job's `finished_at`, else its `updated_at`.
    static func archiveDay(of job: Job) -> String { String((job.finishedAt ?? job.updatedAt).iso8601.prefix(10)) }

    /// The job's archive line: its JSON (compact, sorted keys) plus `archived_at` and `log_tail`
    /// (the last `archiveLogTailBytes` of `logs/<id>.log`, null when it has none).
    func archiveLine(_ job: Job, archivedAt: Timestamp) -> [UInt8] {
        guard case .object(var o) = job.jsonValue else { return [] }
        o["archived_at"] = .string(archivedAt.iso8601)
        o["log_tail"] = logTail(job.id).map { .string($0) } ?? .null
        return JSONCoding.encode(.object(o), pretty: false) + [0x0A]
    }

    private func logTail(_ id: JobID) -> String? {
        guard let fd = try? FileDescriptor.open(logPath(id), flags: O_RDONLY | O_NOFOLLOW) else { return nil }
        defer { fd.close() }
        guard let st = try? fd.status(), st.kind == .regular, st.size > 0 else { return nil }
        let n = Int(min(st.size, Int64(Spool.archiveLogTailBytes)))
        var buffer = [UInt8](repeating: 0, count: n)
        let got = buffer.withUnsafeMutableBytes { pread(fd.rawValue, $0.baseAddress!, n, off_t(st.size - Int64(n))) }
        guard got > 0, logStillNames(id, fd) else { return nil }  // not a recycled log (`RecycledLogs`)
        var bytes = buffer[0..<got]
        while let b = bytes.first, b & 0xC0 == 0x80 { bytes = bytes.dropFirst() }  // start at a character
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `bytes` to `file` and fsyncs it (and archive/ when the file was created). A last
    /// line without its newline (a crash during an earlier append) is cut off first. A failed
    /// write is truncated back to the previous size.
    func appendDurably(_ file: String, _ bytes: [UInt8]) throws(SystemError) {
        let created = (try? FileStatus.of(file)) == nil
        let fd = try FileDescriptor.open(file, flags: O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW)
        try fd.closeAfter { (fd) throws(SystemError) in
            var size = try fd.status(path: file).size
            if size > 0 {
                var last: UInt8 = 0
                if pread(fd.rawValue, &last, 1, off_t(size - 1)) == 1, last != 0x0A {
                    size = Spool.lastLineEnd(fd.rawValue, size: size)
                    if ftruncate(fd.rawValue, off_t(size)) != 0 { throw SystemError(errno: Errno.current, operation: "ftruncate", path: file) }
                }
            }
            do throws(SystemError) {
                try fd.writeAll(bytes, path: file)
                try fd.sync(path: file)
            } catch {
                _ = ftruncate(fd.rawValue, off_t(size))
                throw error
            }
        }
        if created { try FileSystem.syncDirectory(archiveDirectory) }
    }

    /// The offset just after the last `\n` before `size` (0 when there is none).
    private static func lastLineEnd(_ fd: Int32, size: Int64) -> Int64 {
        var end = size
        var buffer = [UInt8](repeating: 0, count: 65536)
        while end > 0 {
            let n = Int(min(end, Int64(buffer.count)))
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, n, off_t(end - Int64(n))) }
            guard got == n else { return 0 }
            if let i = buffer[0..<n].lastIndex(of: 0x0A) { return end - Int64(n) + Int64(i) + 1 }
            end -= Int64(n)
        }
        return 0
    }

    /// What identifies a job's line in the archive: its id and `created_at` (an id may be reused
    /// once its job left the spool).
    static func archiveKey(_ job: Job) -> String { "\(job.id.rawValue)\u{0}\(job.createdAt.micros)" }

    /// Which of `keys` (`archiveKey`) have a line in `file`.
    static func archivedKeys(in file: String, among keys: Set<String>) -> Set<String> {
        var found: Set<String> = []
        var tail = EventLogReader.Tail(path: file)
        defer { tail.close() }
        tail.drain { line in
            guard let job = ArchivedJob.parse(line) else { return }
            let k = archiveKey(job)
            if keys.contains(k) { found.insert(k) }
        }
        return found
    }
}
