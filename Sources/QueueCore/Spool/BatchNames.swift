import QueueSystem

/// The names `enqueue` gives a batch of jobs, built from bytes with the date part cached per
/// second, instead of one `String` interpolation (and `gmtime`) per part per job.
///
/// Invariant (tested): every name equals what `JobFileName.name(for:in:)`, `Spool.tmpName` and
/// `Spool.markerPath` give for the same input.
struct BatchNames {
    private var time = CompactTime()
    private var scratch: [UInt8] = []
    private let tmpPrefix: String     // "<root>/tmp/<process tag>."
    private let idsPrefix: String     // "<root>/ids/"
    private let rootPrefix: String    // "<root>/"

    init(_ spool: Spool) {
        rootPrefix = spool.root + "/"
        tmpPrefix = rootPrefix + "tmp/" + ProcessTag.current.rawValue + "."
        idsPrefix = rootPrefix + "ids/"
        scratch.reserveCapacity(256)
    }

    /// `Spool.tmpName(id)`: `<root>/tmp/<tag>.<seq>.<id>.tmp`, with the process's next sequence number.
    func tmp(_ id: JobID) -> String {
        tmpPrefix + String(TmpCounter.next()) + "." + id.rawValue + ".tmp"
    }

    /// `Spool.markerPath(id)`.
    func marker(_ id: JobID) -> String { idsPrefix + id.rawValue }

    /// `Spool.path(job.state.directory, JobFileName.name(for: job, in: job.state))`.
    mutating func destination(_ job: Job) -> String {
        switch job.state {
        case .pending, .failed:
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: rootPrefix.utf8)
            scratch.append(contentsOf: job.state.directory.utf8)
            scratch.append(UInt8(ascii: "/"))
            let rank = 10000 - job.priority
            if (0...99_999).contains(rank) {
                var r = rank
                let start = scratch.count
                scratch.append(contentsOf: [0, 0, 0, 0, 0])
                for i in stride(from: 4, through: 0, by: -1) { scratch[start + i] = UInt8(48 + r % 10); r /= 10 }
            } else {
                let s = String(rank)
                scratch.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, 5 - s.utf8.count)))
                scratch.append(contentsOf: s.utf8)
            }
            scratch.append(UInt8(ascii: "."))
            time.append(job.runAt, to: &scratch)
            scratch.append(UInt8(ascii: "."))
            scratch.append(contentsOf: job.id.rawValue.utf8)
            scratch.append(contentsOf: ".json".utf8)
            return String(decoding: scratch, as: UTF8.self)
        default:
            return rootPrefix + job.state.directory + "/" + JobFileName.name(for: job, in: job.state)
        }
    }
}

/// `Timestamp.compact` (`YYYYMMDDTHHMMSSffffffZ`) appended as bytes, the first 15 bytes cached
/// for the last second seen.
struct CompactTime {
    private var second: Int64 = .min
    private var prefix: [UInt8] = []

    mutating func append(_ t: Timestamp, to out: inout [UInt8]) {
        let s = t.micros >= 0 ? t.micros / 1_000_000 : (t.micros - 999_999) / 1_000_000
        if s != second {
            let full = Array(Timestamp(micros: s * 1_000_000).compact.utf8)
            guard full.count == 22 else { out.append(contentsOf: t.compact.utf8); return }
            prefix = Array(full[0..<15])
            second = s
        }
        out.append(contentsOf: prefix)
        var f = t.micros - s * 1_000_000
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0, 0, 0])
        for i in stride(from: 5, through: 0, by: -1) { out[start + i] = UInt8(48 + f % 10); f /= 10 }
        out.append(UInt8(ascii: "Z"))
    }
}
