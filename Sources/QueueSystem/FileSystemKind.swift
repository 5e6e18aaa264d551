#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CQueueShims

/// What kind of filesystem holds a path: its type as `statfs(2)` reports it, and the type name
/// the mount table gives (`fuse.glusterfs`, `nfs4`, `ext4`...).
///
/// A **shared** filesystem (network or FUSE) is one where other hosts' changes raise no inotify
/// events here, and where a name removed elsewhere may still `stat()` for about a second.
public struct FileSystemKind: Sendable, Equatable, CustomStringConvertible {
    /// `f_type` of `statfs(2)`.
    public var magic: Int64
    /// The type from /proc/self/mountinfo for the mount holding the path (`fuse.glusterfs`),
    /// or a name derived from `magic` when the mount table cannot be read.
    public var name: String
    /// Network or FUSE: changes made on other hosts are not seen by inotify.
    public var isShared: Bool

    public var description: String { name }

    static let networkMagics: [Int64: String] = [
        0x6969: "nfs", 0x517B: "smb", 0xFF53_4D42: "cifs", 0xFE53_4D42: "smb2", 0x00C3_6400: "ceph",
        0x0116_1970: "gfs2", 0x7461_636F: "ocfs2", 0x5346_414F: "afs", 0x0102_1997: "9p",
        0x0BD0_0BD0: "lustre", 0x6573_5546: "fuse", 0x6573_5543: "fusectl",
    ]
    static let localMagics: [Int64: String] = [
        0xEF53: "ext4", 0x0102_1994: "tmpfs", 0x5846_5342: "xfs", 0x9123_683E: "btrfs", 0x794C_7630: "overlay",
        0x2FC1_2FC1: "zfs", 0xF2F5_2010: "f2fs",
    ]

    /// The kind of the filesystem holding `path`.
    /// - Throws: `SystemError` from `statfs(2)` (ENOENT when `path` does not exist).
    public static func of(_ path: String) throws(SystemError) -> FileSystemKind {
        var type: Int64 = 0
        try retryingEINTR("statfs", path: path) { cq_statfs_type(path, &type) }
        let magic = Int64(UInt32(truncatingIfNeeded: type))
        let shared = networkMagics[magic] != nil
        let fallback = networkMagics[magic] ?? localMagics[magic] ?? "0x" + String(magic, radix: 16)
        return FileSystemKind(magic: magic, name: mountType(of: path) ?? fallback, isShared: shared)
    }

    /// The filesystem type of the longest mount point in /proc/self/mountinfo that contains
    /// `path` (resolved with `realpath`); nil when that cannot be read.
    static func mountType(of path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        let resolved = String(cString: real)
        free(real)
        guard let bytes = try? FileSystem.readFile("/proc/self/mountinfo", limit: 4 << 20) else { return nil }
        var best: (length: Int, type: String)?
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 6, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            let mountPoint = unescapeMountInfo(String(fields[4]))
            let inside = mountPoint == "/" || resolved == mountPoint || resolved.hasPrefix(mountPoint + "/")
            if inside, mountPoint.count >= (best?.length ?? -1) { best = (mountPoint.count, String(fields[dash + 1])) }
        }
        return best?.type
    }

    /// mountinfo escapes space, tab, newline and backslash as `\ooo` (three octal digits).
    public static func unescapeMountInfo(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "\\"), i + 3 < u.count,
               let v = UInt8(String(decoding: u[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(v)
                i += 4
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
