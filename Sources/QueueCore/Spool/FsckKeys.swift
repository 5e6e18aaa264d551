#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// fsck's look at `keys/` (unique keys, see `KeyMarker`).
extension FsckChecker {
    /// A marker (or lock file) older than this is not part of an enqueue still under way.
    static let keyGraceSeconds = 60.0

    /// `stale-key`: a marker whose job no longer holds the key (finished, gone, or carrying
    /// another key), a marker that does not parse or whose name is not its key's, or a lock
    /// file without a marker; each older than `keyGraceSeconds`. Such a marker already holds
    /// nothing (enqueue checks the job, not the marker); the repair removes it under the key's
    /// lock, after looking again.
    func checkKeys() {
        let spool = self.spool
        guard let names = try? DirectoryStream.names(spool.keysDirectory) else { return }
        let present = Set(names)
        for name in names where !name.hasPrefix(".") {
            let p = spool.path("keys", name)
            guard let st = try? FileStatus.of(p),
                  Double(now.micros * 1000 - st.modifiedNanos) / 1e9 > FsckChecker.keyGraceSeconds else { continue }
            if name.hasSuffix(".lock") {
                guard !present.contains(String(name.dropLast(5))) else { continue }
                note(.staleKey, p, "lock file without a key marker", file: st,
                     still: { (try? FileStatus.of(String(p.dropLast(5)))) == nil }) {
                    // Only while holding it: an enqueue may be using this lock file right now.
                    let fd = try FileDescriptor.open(p, flags: O_RDWR | O_NOFOLLOW)
                    defer { fd.close() }
                    guard try fd.tryLockExclusive(path: p), try fd.status(path: p).inode == FileStatus.of(p).inode,
                          (try? FileStatus.of(String(p.dropLast(5)))) == nil else { return false }
                    return try FileSystem.unlinkIfExists(p)
                }
                continue
            }
            let bytes = (try? FileSystem.readFile(p, limit: 4096)) ?? nil
            guard let marker = bytes.flatMap({ KeyMarker(parsing: $0) }), let key = try? UniqueKey(marker.key),
                  key.fileName == name else {
                note(.staleKey, p, "key marker does not parse or does not match its name", file: st) {
                    try FileSystem.unlinkIfExists(p)
                }
                continue
            }
            note(.staleKey, p, "key \(JobID.printable(key.rawValue)) names job \(marker.id), which no longer holds it "
                 + "(finished, removed, or without this unique_key)", file: st,
                 still: { !spool.holdsKey(marker.id, key: key, hint: marker.placed) }) {
                let lock = try spool.lockKey(key)
                defer { lock.release() }
                guard spool.readKeyMarker(key) == marker, !spool.holdsKey(marker.id, key: key, hint: marker.placed) else { return false }
                _ = try FileSystem.unlinkIfExists(spool.keyMarkerPath(key))
                _ = try FileSystem.unlinkIfExists(spool.keyLockPath(key))
                return true
            }
        }
    }
}
