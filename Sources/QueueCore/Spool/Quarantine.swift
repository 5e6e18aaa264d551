/// Moving files the queue cannot use out of the way, with the reason beside them.
/// A quarantined file goes to `corrupt/<time>.<original-name>` (renamed, never followed or
/// opened), and `corrupt/<time>.<original-name>.reason` says where it came from and why.
extension Spool {
    /// Quarantines `name` from directory `dir` (a spool subdirectory name).
    /// - Returns: the new path, or nil when the file vanished first.
    @discardableResult
    public func quarantine(_ name: String, in dir: String, reason: String) throws(SystemError) -> String? {
        let stamp = Timestamp.now()
        let target = "\(stamp.compact).\(name)"
        let dest = path("corrupt", target)
        do {
            try FileSystem.renameNoReplace(path(dir, name), dest)
        } catch where error.isNotFound {
            return nil
        }
        let oneLine = reason.unicodeScalars.map { $0.value < 0x20 ? " " : String($0) }.joined()
        let text = "\(stamp.iso8601) quarantined \(dir)/\(JobID.escapingControls(name)): \(oneLine)\n"
        let reasonTmp = tmpName("reason")
        try FileSystem.writeNewFile(reasonTmp, Array(text.utf8), sync: true)
        try FileSystem.rename(reasonTmp, dest + ".reason")
        try FileSystem.syncDirectory(path("corrupt"))
        try FileSystem.syncDirectory(path(dir))
        return dest
    }
}
