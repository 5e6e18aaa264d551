#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CQueueShims


/// Path-level file operations: typed wrappers over the syscalls, EINTR handled by `retryingEINTR`.
public enum FileSystem {
    /// Moves `from` to `to`, replacing `to`. Corresponds to `rename(2)`.
    public static func rename(_ from: String, _ to: String) throws(SystemError) {
        try retryingEINTR("rename", path: "\(from) -> \(to)") { Glibc.rename(from, to) }
    }

    /// Moves `from` to `to` only if `to` does not exist (EEXIST otherwise). Falls back to
    /// `link` + `unlink` where the filesystem lacks `RENAME_NOREPLACE`: for a source that only
    /// the caller can rename (its own tmp/ file, its own claim). For a source that others race
    /// for, use `renameClaiming` (a unique destination) or the core's fenced move.
    /// Corresponds to `renameat2(2)` with `RENAME_NOREPLACE`.
    public static func renameNoReplace(_ from: String, _ to: String) throws(SystemError) {
        try renameNoReplace(
            described: "\(from) -> \(to)", rename: { renameFlagged(noReplace: true, AT_FDCWD, from, AT_FDCWD, to) },
            link: { Glibc.link(from, to) }, unlink: { Glibc.unlink(from) })
    }

    /// Like `renameNoReplace(_:_:)` for a source name given as raw bytes (a name that is not
    /// valid UTF-8 and so cannot be a `String` path); `description` names it in errors.
    public static func renameNoReplace(rawFrom from: [UInt8], _ to: String, description: String) throws(SystemError) {
        let cPath = UnsafeMutablePointer<CChar>.allocate(capacity: from.count + 1)
        defer { cPath.deallocate() }
        for (i, b) in from.enumerated() { cPath[i] = CChar(bitPattern: b) }
        cPath[from.count] = 0
        try renameNoReplace(
            described: "\(description) -> \(to)", rename: { renameFlagged(noReplace: true, AT_FDCWD, cPath, AT_FDCWD, to) },
            link: { Glibc.link(cPath, to) }, unlink: { Glibc.unlink(cPath) })
    }

    /// The no-replace rename and its link + unlink fallback, each step through `retryingEINTR`.
    private static func renameNoReplace(
        described: String, rename: () -> CInt, link: () -> CInt, unlink: () -> CInt
    ) throws(SystemError) {
        do {
            try retryingEINTR("rename", path: described, rename)
        } catch where error.errno == .invalidArgument || error.errno == .noFunction {
            try retryingEINTR("link", path: described, link)
            try retryingEINTR("unlink", path: described, unlink)
        }
    }

    /// Atomically swaps two existing names; ENOENT if either is gone (the fence against a lost claim).
    /// Corresponds to `renameat2(2)` with `RENAME_EXCHANGE`. There is no fallback: where the
    /// filesystem lacks the flag (FUSE/GlusterFS, NFS) this throws EINVAL or ENOSYS
    /// (`isRenameFlagUnsupported`), and the caller uses a protocol of plain renames instead.
    public static func exchange(_ a: String, _ b: String) throws(SystemError) {
        try retryingEINTR("exchange", path: "\(a) <-> \(b)") { renameFlagged(noReplace: false, AT_FDCWD, a, AT_FDCWD, b) }
    }

    /// `renameat2(2)` with `RENAME_NOREPLACE` and no fallback (EINVAL/ENOSYS where unsupported).
    public static func renameNoReplaceStrict(_ from: String, _ to: String) throws(SystemError) {
        try retryingEINTR("rename", path: "\(from) -> \(to)") { renameFlagged(noReplace: true, AT_FDCWD, from, AT_FDCWD, to) }
    }

    /// True for the errors `renameat2(2)` gives where the filesystem lacks a flag.
    public static func isRenameFlagUnsupported(_ error: SystemError) -> Bool {
        error.errno == .invalidArgument || error.errno == .noFunction
    }

    /// Renames `from` to `to`, which must be a name that only the caller ever creates (a claim
    /// name carrying the caller's worker id): `RENAME_NOREPLACE` where supported, else a check
    /// that `to` is absent followed by a plain `rename(2)`. Unlike `renameNoReplace`, never
    /// falls back to link + unlink, so the rename of `from` stays the one atomic step that
    /// decides a race for `from`: of several callers exactly one succeeds, the others get ENOENT.
    /// - Throws: ENOENT when `from` is gone, EEXIST when `to` exists.
    public static func renameClaiming(_ from: String, _ to: String) throws(SystemError) {
        do {
            try retryingEINTR("rename", path: "\(from) -> \(to)") { renameFlagged(noReplace: true, AT_FDCWD, from, AT_FDCWD, to) }
        } catch where isRenameFlagUnsupported(error) {
            if (try FileStatus.ifExists(to)) != nil { throw SystemError(errno: .fileExists, operation: "rename", path: "\(from) -> \(to)") }
            try rename(from, to)
        }
    }

    /// `renameat2` with `RENAME_NOREPLACE` or `RENAME_EXCHANGE`; EINVAL under the test hook
    /// `QUEUECTL_NO_RENAME_FLAGS=1` (`UnsafeTestHooks.noRenameFlags`).
    private static func renameFlagged(noReplace: Bool, _ fromDir: CInt, _ from: UnsafePointer<CChar>,
                                      _ toDir: CInt, _ to: UnsafePointer<CChar>) -> CInt {
        if UnsafeTestHooks.noRenameFlags {
            errno = EINVAL
            return -1
        }
        return noReplace ? cq_rename_noreplace(fromDir, from, toDir, to) : cq_rename_exchange(fromDir, from, toDir, to)
    }

    /// Adds the name `to` for the file `from` (EEXIST when `to` exists). Corresponds to `link(2)`.
    public static func link(_ from: String, _ to: String) throws(SystemError) {
        try retryingEINTR("link", path: "\(from) -> \(to)") { Glibc.link(from, to) }
    }

    /// True for the errors of `link(2)` that mean "this filesystem cannot make hard links here"
    /// (the caller then falls back to `rename(2)`).
    public static func isLinkUnsupported(_ error: SystemError) -> Bool {
        [Errno.notPermitted, .notSupported, .operationNotSupported, .crossDevice, .tooManyLinks, .noFunction].contains(error.errno)
    }

    /// The directory part of a path ("." for a bare name).
    public static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Removes a name. Corresponds to `unlink(2)`.
    public static func unlink(_ path: String) throws(SystemError) {
        try retryingEINTR("unlink", path: path) { Glibc.unlink(path) }
    }

    /// Removes a name; returns false if it was already gone.
    @discardableResult
    public static func unlinkIfExists(_ path: String) throws(SystemError) -> Bool {
        do { try unlink(path); return true } catch where error.isNotFound { return false }
    }

    /// Creates a directory; succeeds if it already exists as a directory. Corresponds to `mkdir(2)`.
    /// - Returns: true when this call created it (its parent then needs an fsync to make it durable).
    @discardableResult
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(SystemError) -> Bool {
        do {
            try retryingEINTR("mkdir", path: path) { mkdir(path, mode) }
            return true
        } catch where error.isExists {
            if try FileStatus.of(path, followLinks: true).kind != .directory {
                throw SystemError(errno: .notDirectory, operation: "mkdir", path: path)
            }
            return false
        }
    }

    /// Creates a file exclusively with `content`; false if the name exists.
    /// `O_CREAT|O_EXCL|O_NOFOLLOW`. A file created here whose content cannot be written
    /// (ENOSPC...) is unlinked before the error is thrown.
    public static func createExclusive(_ path: String, content: [UInt8] = [], mode: mode_t = 0o600) throws(SystemError) -> Bool {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: mode)
        } catch where error.isExists {
            return false
        }
        defer { fd.close() }
        do {
            if !content.isEmpty { try fd.writeAll(content, path: path) }
        } catch {
            _ = Glibc.unlink(path)
            throw error
        }
        return true
    }

    /// Reads a regular file without following a symlink, refusing files over `limit` bytes.
    /// - Returns: the bytes, or nil when the file is larger than `limit`.
    /// - Throws: ELOOP for a symlink, and whatever open/read report.
    public static func readFile(_ path: String, limit: Int = 16 << 20) throws(SystemError) -> [UInt8]? {
        let fd = try FileDescriptor.open(path, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        return try fd.closeAfter { (fd) throws(SystemError) in
            let st = try fd.status(path: path)
            guard st.kind == .regular else { throw SystemError(errno: .invalidArgument, operation: "read", path: path) }
            if st.size > Int64(limit) { return nil }
            return try fd.readAll(limit: limit, path: path)
        }
    }

    /// Writes `bytes` to a new file `path` (must not exist), optionally fsyncing it.
    /// - Throws: `SystemError`; a file this call created and could not complete (ENOSPC, EIO...)
    ///   is unlinked first, so no partial file is left behind.
    public static func writeNewFile(_ path: String, _ bytes: [UInt8], sync: Bool, mode: mode_t = 0o600) throws(SystemError) {
        let fd = try FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: mode)
        do {
            try fd.closeAfter { (fd) throws(SystemError) in
                try fd.writeAll(bytes, path: path)
                if sync { try fd.sync(path: path) }
            }
        } catch {
            _ = Glibc.unlink(path)
            throw error
        }
    }

    /// fsyncs a directory so that renames into and out of it are durable.
    public static func syncDirectory(_ path: String) throws(SystemError) {
        if UnsafeTestHooks.skipDirectorySync { return }
        let fd = try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY)
        try fd.closeAfter { (fd) throws(SystemError) in try fd.sync(path: path) }
    }

    /// Sets a file's modification time to now (the lease and heartbeat stamp). Corresponds to `utimensat(2)`.
    public static func touch(_ path: String) throws(SystemError) {
        try retryingEINTR("utimensat", path: path) { utimensat(AT_FDCWD, path, nil, AT_SYMLINK_NOFOLLOW) }
    }

    /// The filesystem's own idea of "now": creates `path` if needed, sets its times to now
    /// (`futimens(2)` with no times) and returns the modification time it then has, in
    /// nanoseconds since the epoch. On a shared filesystem this is the clock that also stamps
    /// other hosts' heartbeats, so comparing the two does not compare two local clocks.
    public static func touchedTime(_ path: String) throws(SystemError) -> Int64 {
        let fd = try FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_NOFOLLOW, mode: 0o600)
        return try fd.closeAfter { (fd) throws(SystemError) -> Int64 in
            try retryingEINTR("futimens", path: path) { futimens(fd.rawValue, nil) }
            return try fd.status(path: path).modifiedNanos
        }
    }

}

extension FileSystem {
    /// Flushes every file and directory of the filesystem holding `path`.
    /// Corresponds to `syncfs(2)` (Linux; `fsync` of `path` elsewhere).
    public static func syncFileSystem(_ path: String) throws(SystemError) {
        let fd = try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY)
        try fd.closeAfter { (fd) throws(SystemError) in
            try retryingEINTR("syncfs", path: path) { cq_syncfs(fd.rawValue) }
        }
    }

    /// What a `syncfs` stands in for, so the unsafe test hooks can skip it as they skip the
    /// fsyncs it replaces (`UnsafeTestHooks`).
    public enum SyncScope: Sendable { case fileData, directories }

    /// `syncFileSystem` used in place of per-file (`fileData`) or per-directory fsyncs: skipped
    /// under the matching unsafe test hook, like the fsyncs it replaces.
    public static func syncFileSystem(_ path: String, insteadOf scope: SyncScope) throws(SystemError) {
        switch scope {
        case .fileData where UnsafeTestHooks.skipFileSync, .directories where UnsafeTestHooks.skipDirectorySync: return
        default: try syncFileSystem(path)
        }
    }
}
