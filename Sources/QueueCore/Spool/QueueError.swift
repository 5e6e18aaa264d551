import QueueSystem

/// Everything the queue reports as a failure, as values: a system call's failure keeps its
/// `SystemError` (operation, path, errno) up to the client, which renders it (the CLI: one line
/// on stderr, via `description`). `isInvalidInput` marks the input's fault (the CLI exits 2).
public enum QueueError: Error, Sendable, CustomStringConvertible, Equatable {
    case invalidID(String, String)
    case invalidJob(String)
    case invalidConfig(String)
    case duplicateID(String)
    case notFound(String)
    case conflict(String)
    /// The spool cannot be used for a reason that is not one system call's (unsafe permissions,
    /// a config that does not parse...).
    case spoolUnusable(String)
    /// A system call failed.
    case system(SystemError)
    /// A system call failed while the queue was doing `action` (e.g. "cannot list
    /// /spool/pending"); `note` adds what was done anyway (e.g. how many jobs were added).
    case systemFailure(action: String, SystemError, note: String? = nil)

    /// The input (a job, an id, a config value) is at fault, not the spool or the system.
    public var isInvalidInput: Bool {
        switch self {
        case .invalidID, .invalidJob, .invalidConfig: return true
        default: return false
        }
    }

    /// The system call failure behind this error, if there is one (e.g. to tell ENOSPC apart).
    public var systemError: SystemError? {
        switch self {
        case .system(let e), .systemFailure(_, let e, _): return e
        default: return nil
        }
    }

    /// The error for a failure of `action`: a `SystemError` is kept as such, a `QueueError`
    /// passes through unchanged, anything else becomes `spoolUnusable` text.
    public static func failure(_ action: String, _ error: any Error, note: String? = nil) -> QueueError {
        switch error {
        case let e as SystemError: return .systemFailure(action: action, e, note: note)
        case let e as QueueError where note == nil: return e
        default: return .spoolUnusable("\(action): \(error)" + (note.map { " (\($0))" } ?? ""))
        }
    }

    public var description: String {
        switch self {
        case .invalidID(let raw, let why):
            return "invalid job id \(JobID.printable(raw)): \(why)"
        case .invalidJob(let m), .invalidConfig(let m), .conflict(let m), .spoolUnusable(let m):
            return m
        case .duplicateID(let id): return "a job with id '\(id)' already exists"
        case .notFound(let id): return "no such job: \(id)"
        case .system(let e): return e.description
        case .systemFailure(let action, let e, let note): return "\(action): \(e)" + (note.map { " (\($0))" } ?? "")
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
