import QueueSystem

/// How long due jobs have been waiting in pending/ (like Postfix's qshape), read from file
/// names only: one directory listing, no file opened.
public struct QueueShape: Sendable {
    /// Upper bounds of the age buckets, in seconds: 1m, 5m, 10m, 20m, 40m, 80m, 160m, 320m, then older.
    public static let bucketLimits: [Double] = [60, 300, 600, 1200, 2400, 4800, 9600, 19200]
    /// Counts per bucket (one more than `bucketLimits`: the last is "older").
    public var buckets: [Int]
    /// Jobs in pending/ not due yet.
    public var notYetDue: Int
    /// Age of the job that has been due longest (seconds), nil when none is due.
    public var oldestAge: Double?
    /// pending/ entries that do not follow the naming pattern (dropped, awaiting adoption).
    public var unnamed: Int

    public static func bucketLabel(_ i: Int) -> String {
        func m(_ s: Double) -> String { s < 3600 ? "\(Int(s / 60))m" : "\(Int(s / 60))m" }
        if i == 0 { return "<\(m(bucketLimits[0]))" }
        if i == bucketLimits.count { return ">\(m(bucketLimits.last!))" }
        return "\(m(bucketLimits[i - 1]))-\(m(bucketLimits[i]))"
    }
}

extension Spool {
    /// The age histogram of pending/.
    public func pendingShape(now: Timestamp = .now()) throws(QueueError) -> QueueShape {
        var shape = QueueShape(buckets: Array(repeating: 0, count: QueueShape.bucketLimits.count + 1), notYetDue: 0, oldestAge: nil, unnamed: 0)
        var oldest: Int64?
        do {
            try DirectoryStream.forEachRawName(directory(.pending)) { name in
                // <rank 5>.<due 22>.<id>.json
                guard name.count > 34, name[5] == 46, name[28] == 46,
                      let due = Timestamp(compactBytes: UnsafeRawBufferPointer(rebasing: name[6..<28])) else {
                    let isTmp = name.count >= 4 && name[name.count - 4] == 46 && name[name.count - 3] == 116
                        && name[name.count - 2] == 109 && name[name.count - 1] == 112
                    if name.first != 46 && !isTmp { shape.unnamed += 1 }
                    return
                }
                if due > now { shape.notYetDue += 1; return }
                if oldest == nil || due.micros < oldest! { oldest = due.micros }
                let age = Double(now.micros - due.micros) / 1e6
                let i = QueueShape.bucketLimits.firstIndex { age < $0 } ?? QueueShape.bucketLimits.count
                shape.buckets[i] += 1
            }
        } catch {
            throw .failure("cannot list \(directory(.pending))", error)
        }
        shape.oldestAge = oldest.map { Double(now.micros - $0) / 1e6 }
        return shape
    }
}
