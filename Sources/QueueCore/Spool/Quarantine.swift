import QueueSystem

/// Moving files the queue cannot use out of the way, with the reason beside them.
/// A quarantined file goes to `corrupt/<time>.<original-name>` (renamed, never followed or
/// opened), and `corrupt/<time>.<original-name>.reason` says where it came from (with the
/// original name) and why. When `<time>.<original-name>.reason` would be longer than a file
/// name may be (255 bytes), the name is shortened to
/// `<time>.<first bytes of the original name, cut at a UTF-8 boundary>.<16 hex digits of its hash>`
/// so that the name plus `.reason` is at most 255 bytes.
extension Spool {
    /// The longest name a file may have in corrupt/ (255 minus the `.reason` suffix).
    static let maxQuarantineName = 255 - ".reason".utf8.count

    /// The name of `name` quarantined at `stamp`: `<stamp>.<name>`, shortened (see above) when too long.
    static func quarantineName(_ name: String, stamp: String) -> String {
        let full = "\(stamp).\(name)"
        if full.utf8.count <= maxQuarantineName { return full }
        let suffix = "." + NameHash.hex(name.utf8)  // of the whole original name
        let budget = maxQuarantineName - stamp.utf8.count - 1 - suffix.utf8.count
        var prefix = ""
        var used = 0
        for scalar in name.unicodeScalars {
            let n = String(scalar).utf8.count
            if used + n > budget { break }
            prefix.unicodeScalars.append(scalar)
            used += n
        }
        return "\(stamp).\(prefix)\(suffix)"
    }

    /// Quarantines `name` from directory `dir` (a spool subdirectory name).
    /// - Returns: the new path, or nil when the file vanished first.
    @discardableResult
    public func quarantine(_ name: String, in dir: String, reason: String) throws(SystemError) -> String? {
        let stamp = Timestamp.now()
        let target = Spool.quarantineName(name, stamp: stamp.compact)
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
