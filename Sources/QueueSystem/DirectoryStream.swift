#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One entry of a directory listing.
public struct DirectoryEntry: Sendable {
    public enum Kind: Sendable { case regular, directory, symlink, other, unknown }
    /// The name; when it is not valid UTF-8, a repaired copy that names no file (see `rawName`).
    public var name: String
    public var kind: Kind
    /// The name's bytes, only when they are not valid UTF-8 (such a file can be reached only by them).
    public var rawName: [UInt8]? = nil
}

/// Streams the names in a directory without sorting or holding them all.
/// `.` and `..` are skipped. Corresponds to `opendir(3)` / `readdir(3)`.
public enum DirectoryStream {
    /// Calls `body` for each entry; `body` returns false to stop early.
    /// - Throws: `SystemError` if the directory cannot be opened (ENOENT included).
    public static func forEach(_ path: String, _ body: (DirectoryEntry) throws -> Bool) throws {
        try forEachRaw(path) { bytes, kind in
            if let valid = String(validating: bytes, as: UTF8.self) {
                return try body(DirectoryEntry(name: valid, kind: kind))
            }
            return try body(DirectoryEntry(name: String(decoding: bytes, as: UTF8.self), kind: kind, rawName: Array(bytes)))
        }
    }

    /// Calls `body` with each entry's raw name bytes (no String is made: for counting huge
    /// directories). `.` and `..` are skipped.
    public static func forEachRawName(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws {
        try forEachRaw(path) { bytes, _ in
            body(UnsafeRawBufferPointer(bytes))
            return true
        }
    }

    /// The core of the others: `body` gets each entry's name bytes (valid only during the call)
    /// and kind, and returns false to stop early. `.` and `..` are skipped.
    /// - Throws: `SystemError` if the directory cannot be opened (ENOENT included).
    public static func forEachRaw(_ path: String, _ body: (UnsafeBufferPointer<UInt8>, DirectoryEntry.Kind) throws -> Bool) throws {
        guard let dir = opendir(path) else {
            throw SystemError(errno: Errno.current, operation: "opendir", path: path)
        }
        defer { closedir(dir) }
        while let ent = readdir(dir) {
            let kind: DirectoryEntry.Kind
            switch Int32(ent.pointee.d_type) {
            case Int32(DT_REG): kind = .regular
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN): kind = .unknown
            default: kind = .other
            }
            let goOn = try withUnsafeBytes(of: &ent.pointee.d_name) { raw in
                let len = raw.firstIndex(of: 0) ?? raw.count
                let name = UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[0..<len])
                if len == 1 && name[0] == 46 || len == 2 && name[0] == 46 && name[1] == 46 { return true }
                return try body(name, kind)
            }
            if !goOn { return }
        }
    }

    /// All entry names (for small directories only).
    public static func names(_ path: String) throws -> [String] {
        var result: [String] = []
        try forEach(path) { result.append($0.name); return true }
        return result
    }

}
