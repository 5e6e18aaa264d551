import QueueSystem

/// Everything the queue reports as a failure, with enough context to print one clear line.
/// `isUsage` tells the CLI to exit 2 (bad input) rather than 1 (operation failed).
public enum QueueError: Error, Sendable, CustomStringConvertible, Equatable {
    case invalidID(String, String)
    case invalidJob(String)
    case invalidConfig(String)
    case usage(String)
    case duplicateID(String)
    case notFound(String)
    case conflict(String)
    case spoolUnusable(String)
    case system(SystemError)

    public var isUsage: Bool {
        switch self {
        case .invalidID, .invalidJob, .invalidConfig, .usage: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .invalidID(let raw, let why):
            return "invalid job id \(JobID.printable(raw)): \(why)"
        case .invalidJob(let m), .invalidConfig(let m), .usage(let m), .conflict(let m), .spoolUnusable(let m):
            return m
        case .duplicateID(let id): return "a job with id '\(id)' already exists"
        case .notFound(let id): return "no such job: \(id)"
        case .system(let e): return e.description
        }
    }
}

extension JobID {
    /// Quotes a raw string for an error message, escaping control characters.
    public static func printable(_ raw: String) -> String {
        let out = "'" + escapingControls(raw)
        let limited = out.count > 80 ? String(out.prefix(80)) + "…" : out
        return limited + "'"
    }

    /// `raw` with control characters written as `\xNN`, so it stays on one line.
    public static func escapingControls(_ raw: String) -> String {
        var out = ""
        for s in raw.unicodeScalars {
            if s.value < 0x20 || s.value == 0x7f || (0x80...0x9f).contains(s.value) {
                let hex = String(s.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            } else { out.unicodeScalars.append(s) }
        }
        return out
    }
}
