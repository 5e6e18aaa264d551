import CQueueShims

/// Path-level file operations: typed wrappers over the syscalls, EINTR handled by `retryingEINTR`.
public enum FileSystem {
    /// Moves `from` to `to`, replacing `to`. Corresponds to `rename(2)`.
    public static func rename(_ from: String, _ to: String) throws(SystemError) {
        try retryingEINTR("rename", path: "\(from) -> \(to)") { Glibc.rename(from, to) }
    }

    /// Moves `from` to `to` only if `to` does not exist (EEXIST otherwise). Falls back to
    /// `link` + `unlink` where the filesystem lacks `RENAME_NOREPLACE`.
    /// Corresponds to `renameat2(2)` with `RENAME_NOREPLACE`.
    public static func renameNoReplace(_ from: String, _ to: String) throws(SystemError) {
        let r = cq_rename_noreplace(AT_FDCWD, from, AT_FDCWD, to)
        if r == 0 { return }
        let code = currentErrno()
        if code == EINVAL || code == ENOSYS {
            try retryingEINTR("link", path: "\(from) -> \(to)") { Glibc.link(from, to) }
            try unlink(from)
            return
        }
        throw SystemError(errno: code, operation: "rename", path: "\(from) -> \(to)")
    }

    /// Atomically swaps two existing names; ENOENT if either is gone (the fence against a lost claim).
    /// Where the filesystem lacks `RENAME_EXCHANGE`, checks `b` exists and renames `a` over it
    /// (not atomic against a concurrent rename of `b`).
    /// Corresponds to `renameat2(2)` with `RENAME_EXCHANGE`.
    public static func exchange(_ a: String, _ b: String) throws(SystemError) {
        let r = cq_rename_exchange(AT_FDCWD, a, AT_FDCWD, b)
        if r == 0 { return }
        let code = currentErrno()
        if code == EINVAL || code == ENOSYS {
            _ = try FileStatus.of(b)
            try rename(a, b)
            return
        }
        throw SystemError(errno: code, operation: "exchange", path: "\(a) <-> \(b)")
    }

    /// Adds the name `to` for the file `from` (EEXIST when `to` exists). Corresponds to `link(2)`.
    public static func link(_ from: String, _ to: String) throws(SystemError) {
        try retryingEINTR("link", path: "\(from) -> \(to)") { Glibc.link(from, to) }
    }

    /// True for the errors of `link(2)` that mean "this filesystem cannot make hard links here"
    /// (the caller then falls back to `rename(2)`).
    static func isLinkUnsupported(_ error: SystemError) -> Bool {
        [EPERM, ENOTSUP, EOPNOTSUPP, EXDEV, EMLINK, ENOSYS].contains(error.errno)
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
                throw SystemError(errno: ENOTDIR, operation: "mkdir", path: path)
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
            guard st.kind == .regular else { throw SystemError(errno: EINVAL, operation: "read", path: path) }
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
}
