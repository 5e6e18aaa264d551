#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// `keys/<name>`: which job holds a unique key (see `UniqueKey`), and `keys/<name>.lock`, the
/// lock that serialises everything done to one key (check-and-take at enqueue, release at the
/// job's end, fsck's removal). The marker holds three lines: the job id, where enqueue placed
/// the job (`pending/<name>` or `waiting/<name>`, a hint for a fast look-up) and the key.
///
/// The marker alone never decides: a key is taken only while the job it names exists in
/// pending/, processing/, failed/, held/ or waiting/ and carries the same `unique_key`
/// (`keyHolder`). So a marker left by a crash, or whose job finished or was removed by hand,
/// blocks nothing; fsck reports and removes such markers.
struct KeyMarker: Equatable {
    var id: JobID
    var placed: String
    var key: String

    var bytes: [UInt8] { Array("\(id.rawValue)\n\(placed)\n\(key)\n".utf8) }

    init(id: JobID, placed: String, key: String) {
        self.id = id; self.placed = placed; self.key = key
    }

    init?(parsing bytes: [UInt8]) {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3, JobID.isValid(String(lines[0])) else { return nil }
        id = JobID(unchecked: String(lines[0]))
        placed = String(lines[1])
        key = String(lines[2])
    }
}

/// A held key lock; `release()` closes it (the kernel releases it anyway when the process dies).
struct KeyLock {
    let fd: FileDescriptor
    func release() { fd.close() }
}

extension Spool {
    public var keysDirectory: String { path("keys") }
    func keyMarkerPath(_ key: UniqueKey) -> String { path("keys", key.fileName) }
    func keyLockPath(_ key: UniqueKey) -> String { path("keys", key.fileName + ".lock") }

    /// Creates `keys/` when missing (durably: the root is fsynced after it was created).
    func ensureKeysDirectory() throws(SystemError) {
        if try FileSystem.makeDirectory(keysDirectory) { try FileSystem.syncDirectory(root) }
    }

    /// Takes the key's lock, waiting while another process holds it. The lock file may be
    /// removed by whoever holds it (a release); a waiter that then got the lock on the removed
    /// file notices (the inode at the path differs) and locks the current file instead.
    func lockKey(_ key: UniqueKey) throws(SystemError) -> KeyLock {
        let p = keyLockPath(key)
        while true {
            let fd = try FileDescriptor.open(p, flags: O_RDWR | O_CREAT | O_NOFOLLOW)
            do {
                try fd.lockExclusive(path: p)
                let mine = try fd.status(path: p)
                if let now = try FileStatus.ifExists(p), now.inode == mine.inode { return KeyLock(fd: fd) }
            } catch {
                fd.close()
                throw error
            }
            fd.close()
        }
    }

    /// Reads `keys/<name>` of `key`; nil when missing, unreadable or naming another key.
    func readKeyMarker(_ key: UniqueKey) -> KeyMarker? {
        guard let bytes = try? FileSystem.readFile(keyMarkerPath(key), limit: 4096),
              let m = KeyMarker(parsing: bytes), m.key == key.rawValue else { return nil }
        return m
    }

    /// Writes the marker (tmp/, fsync, rename over, fsync keys/): durable on return.
    func writeKeyMarker(_ marker: KeyMarker, for key: UniqueKey) throws(SystemError) {
        let tmp = tmpName("key")
        try FileSystem.writeNewFile(tmp, marker.bytes, sync: true)
        do { try FileSystem.rename(tmp, keyMarkerPath(key)) } catch {
            _ = try? FileSystem.unlinkIfExists(tmp)
            throw error
        }
        try FileSystem.syncDirectory(keysDirectory)
    }

    /// The job that holds `key` now, or nil when it is free. Call with the key's lock held.
    func keyHolder(_ key: UniqueKey) -> JobID? {
        guard let m = readKeyMarker(key) else { return nil }
        return holdsKey(m.id, key: key, hint: m.placed) ? m.id : nil
    }

    /// True when job `id` exists in pending/, processing/, failed/, held/ or waiting/ with
    /// `unique_key` equal to `key`. A job that moves while it is looked for can be missed by
    /// one look (it left one directory before the next was listed), so "not found" is believed
    /// only after three looks; no `ids/<id>` marker (deleted or purged) is believed at once.
    func holdsKey(_ id: JobID, key: UniqueKey, hint: String) -> Bool {
        // Fast path (no directory listing): the job is still where enqueue put it.
        let parts = hint.split(separator: "/", maxSplits: 1)
        if parts.count == 2, let st = JobState(rawValue: String(parts[0])), st == .pending || st == .waiting,
           let job = try? readJob(at: path(hint)) {
            return job.id == id && job.uniqueKey == key.rawValue
        }
        for look in 0..<3 {
            if look > 0 { usleep(10_000) }
            guard (try? FileStatus.of(markerPath(id))) != nil else { return false }
            guard let loc = try? locate(id), let job = try? readJob(at: loc.path) else { continue }  // moved: look again
            guard job.id == id, job.uniqueKey == key.rawValue else { return false }
            return loc.state != .completed && loc.state != .dead
        }
        return false
    }

    /// Releases the key of `job` (which has just finished, or is being deleted): removes the
    /// marker and its lock file when the marker names this job. Not fsynced: a marker a power cut
    /// keeps names a finished job, which holds nothing (fsck removes it). Errors are ignored for
    /// the same reason.
    public func releaseKey(of job: Job) {
        guard let raw = job.uniqueKey, let key = try? UniqueKey(raw),
              (try? FileStatus.of(keyMarkerPath(key))) != nil, let lock = try? lockKey(key) else { return }
        defer { lock.release() }
        guard let m = readKeyMarker(key), m.id == job.id else { return }
        _ = try? FileSystem.unlinkIfExists(keyMarkerPath(key))
        _ = try? FileSystem.unlinkIfExists(keyLockPath(key))
    }
}
