import QueueSystem

/// Files whose names are not valid UTF-8 (dropped in by others). Such a name cannot be a job
/// name, be printed, or be reached through a Swift `String` path, so it is first renamed in
/// place to its escaped form; from then on it is an ordinary dropped file (adopted or
/// quarantined with a reason). Dotfiles and names ending in `.tmp` are never touched.
extension Spool {
    /// `raw` with every byte above 0x7F written as `%XX` (upper-case hex): pure ASCII. An
    /// escaped name longer than `maxEscapedName` bytes (escaping can triple a name's length) is
    /// cut and followed by `.` and 16 hex digits of a hash of the whole raw name, so that it
    /// stays a legal name (and one that quarantine can still prefix).
    public static func escapedName(_ raw: [UInt8]) -> String {
        var out = ""
        for b in raw {
            if b < 0x80 {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "%" + String(b, radix: 16, uppercase: true)
            }
        }
        guard out.utf8.count > maxEscapedName else { return out }
        return String(out.prefix(maxEscapedName - 17)) + "." + NameHash.hex(raw)
    }

    /// The longest escaped name (bytes), leaving room for a `.N` suffix.
    public static let maxEscapedName = 200

    /// Renames the file named `raw` in spool directory `dir` to its escaped name (with `.N`
    /// appended if that name is taken).
    /// - Returns: the new name, or nil when `raw` is a dotfile, a `*.tmp` or has vanished.
    /// - Throws: `SystemError` for other failures of `renameat2(2)` (or its link+unlink fallback).
    @discardableResult
    public func renameInvalidName(_ raw: [UInt8], in dir: String) throws(SystemError) -> String? {
        if raw.withUnsafeBufferPointer({ JobFileName.isForeignTemporary(bytes: $0) }) { return nil }
        let base = Self.escapedName(raw)
        let from = Array(path(dir, "").utf8) + raw
        for n in 0..<100 {
            let name = n == 0 ? base : "\(base).\(n)"
            do {
                try FileSystem.renameNoReplace(rawFrom: from, path(dir, name), description: "\(path(dir, base)) (not valid UTF-8)")
            } catch where error.isExists {
                continue
            } catch where error.isNotFound {
                return nil
            }
            try FileSystem.syncDirectory(path(dir, ""))
            return name
        }
        throw SystemError(errno: .fileExists, operation: "rename", path: "\(path(dir, base)) (not valid UTF-8)")
    }
}
