import QueueSystem

/// What the spool's filesystem can do for the queue, as `status` shows it.
///
/// On a **shared** filesystem (network or FUSE: GlusterFS, NFS, CephFS...) inotify sees only
/// this host's own changes, so jobs that other hosts add are picked up by the idle rescan, every
/// `poll_interval` (workers poll there whatever inotify says). Without `RENAME_EXCHANGE` /
/// `RENAME_NOREPLACE`, contested rewrites use the fenced move of plain renames (`fencedMove`).
public struct SpoolStorage: Sendable, Equatable {
    /// The filesystem type (`fuse.glusterfs`, `nfs4`, `ext4`...).
    public var filesystem: String
    /// Network or FUSE: other hosts' changes raise no inotify event here.
    public var shared: Bool
    /// `RENAME_EXCHANGE` and `RENAME_NOREPLACE` work here; nil when that cannot be probed
    /// (e.g. no write permission in tmp/).
    public var atomicRenames: Bool?
    /// The longest a due job added by another host waits before an idle worker here sees it:
    /// `poll_interval` on a shared filesystem; nil on a local one (inotify wakes workers at once).
    public var otherHostsPickup: Double?
}

extension Spool {
    /// The spool filesystem's kind and abilities; nil when `statfs` fails (storage unreachable).
    public func storage(config: Config) -> SpoolStorage? {
        guard let kind = try? FileSystemKind.of(root) else { return nil }
        return SpoolStorage(filesystem: kind.name, shared: kind.isShared, atomicRenames: knownAtomicRenameFlags,
                            otherHostsPickup: kind.isShared ? config.pollInterval : nil)
    }
}
