/// File names of jobs. Ordered states (pending/, failed/) carry the sort key:
/// `<rank>.<due>.<id>.json`, where rank = 10000 - priority (5 digits, so higher priority sorts
/// first) and due is the compact UTC time `YYYYMMDDTHHMMSSffffffZ`. Plain `ls` lists claim order.
/// processing/ files are `<worker-id>.<id>.json`; completed/, dead/, held/ and waiting/ use `<id>.json`.
public enum JobFileName {
    public static func ordered(_ job: Job) -> String {
        ordered(priority: job.priority, due: job.runAt, id: job.id)
    }

    public static func ordered(priority: Int, due: Timestamp, id: JobID) -> String {
        let rank = String(10000 - priority)
        return String(repeating: "0", count: max(0, 5 - rank.count)) + rank + "." + due.compact + "." + id.rawValue + ".json"
    }

    public static func plain(_ id: JobID) -> String { id.rawValue + ".json" }

    public static func processing(worker: ProcessTag, id: JobID) -> String { "\(worker.rawValue).\(id.rawValue).json" }

    /// The name a job has in the directory of `state`.
    public static func name(for job: Job, in state: JobState, worker: ProcessTag? = nil) -> String {
        switch state {
        case .pending, .failed: return ordered(job)
        case .processing: return processing(worker: worker ?? ProcessTag.current, id: job.id)
        case .completed, .dead, .held, .waiting: return plain(job.id)
        }
    }

    /// The parts of an ordered name; nil when the name does not follow the pattern.
    public struct Ordered: Sendable, Comparable {
        public var name: String
        public var rank: Int
        public var due: Timestamp
        public var id: JobID
        public static func < (a: Ordered, b: Ordered) -> Bool { a.name < b.name }
    }

    public static func parseOrdered(_ name: String) -> Ordered? {
        var copy = name
        return copy.withUTF8 { bytes in
            guard let (rank, due, id) = parseOrdered(bytes: bytes) else { return nil }
            return Ordered(name: name, rank: rank, due: due, id: id)
        }
    }

    /// `parseOrdered` on a name's bytes (e.g. straight from a directory entry): rank, due and
    /// id; nil when the bytes do not follow `<rank>.<due>.<id>.json`. Makes no String but the id.
    public static func parseOrdered(bytes u: UnsafeBufferPointer<UInt8>) -> (rank: Int, due: Timestamp, id: JobID)? {
        let n = u.count
        guard n > 5 + 1 + 22 + 1 + 5, u[n - 5] == UInt8(ascii: "."), u[n - 4] == UInt8(ascii: "j"),
              u[n - 3] == UInt8(ascii: "s"), u[n - 2] == UInt8(ascii: "o"), u[n - 1] == UInt8(ascii: "n"),
              u[5] == UInt8(ascii: "."), u[28] == UInt8(ascii: ".") else { return nil }
        var rank = 0
        for i in 0..<5 {
            let c = u[i]
            guard c >= 48 && c <= 57 else { return nil }
            rank = rank * 10 + Int(c - 48)
        }
        guard let due = Timestamp(compactBytes: UnsafeBufferPointer(rebasing: u[6..<28])) else { return nil }
        let idBytes = UnsafeBufferPointer(rebasing: u[29..<(n - 5)])
        if JobID.isValidVisibleASCII(idBytes) {
            return (rank, due, JobID(unchecked: String(decoding: idBytes, as: UTF8.self)))
        }
        guard let raw = String(validating: idBytes, as: UTF8.self), JobID.isValid(raw) else { return nil }
        return (rank, due, JobID(unchecked: raw))
    }

    /// `isForeignTemporary` on a name's bytes.
    public static func isForeignTemporary(bytes u: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = u.count
        return n > 0 && u[0] == UInt8(ascii: ".")
            || n >= 4 && u[n - 4] == UInt8(ascii: ".") && u[n - 3] == UInt8(ascii: "t") && u[n - 2] == UInt8(ascii: "m") && u[n - 1] == UInt8(ascii: "p")
    }

    /// The id in a `<id>.json` name.
    public static func parsePlain(_ name: String) -> JobID? {
        guard name.hasSuffix(".json") else { return nil }
        let raw = String(name.dropLast(5))
        return JobID.isValid(raw) ? JobID(unchecked: raw) : nil
    }

    /// The worker and id in a processing/ name.
    public static func parseProcessing(_ name: String) -> (worker: ProcessTag, id: JobID)? {
        parseTagged(name, suffix: ".json").map { ($0.tag, $0.id) }
    }

    /// The tag and id of a `<process-tag>.<id><suffix>` name (claims `.json`, fenced moves
    /// `.moving`); nil for other names.
    static func parseTagged(_ name: String, suffix: String) -> (tag: ProcessTag, id: JobID)? {
        guard name.hasSuffix(suffix), let dot = name.firstIndex(of: ".") else { return nil }
        guard let tag = ProcessTag(name[..<dot]) else { return nil }
        let raw = String(name[name.index(after: dot)...].dropLast(suffix.count))
        guard JobID.isValid(raw) else { return nil }
        return (tag, JobID(unchecked: raw))
    }

    /// The id a queue-made name carries in `state`'s directory.
    public static func id(of name: String, in state: JobState) -> JobID? {
        switch state {
        case .pending, .failed: return parseOrdered(name)?.id
        case .processing: return parseProcessing(name)?.id
        case .completed, .dead, .held, .waiting: return parsePlain(name)
        }
    }

    /// Names the queue never touches: dotfiles and `*.tmp` (writers such as rsync, editors, cp).
    public static func isForeignTemporary(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasSuffix(".tmp")
    }
}
