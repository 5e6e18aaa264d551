/// Jobs finished per 10-second bucket over the last 15 minutes: constant memory whatever the rate.
public struct ThroughputCounter: Sendable {
    static let bucketSeconds: Int64 = 10
    static let bucketCount = 90
    private var buckets = [Int](repeating: 0, count: bucketCount)
    private var bucketStart = [Int64](repeating: -1, count: bucketCount)
    public private(set) var total = 0

    public init() {}

    public mutating func record(at now: Timestamp) {
        let slot = now.micros / 1_000_000 / Self.bucketSeconds
        let i = Int(slot % Int64(Self.bucketCount))
        if bucketStart[i] != slot { bucketStart[i] = slot; buckets[i] = 0 }
        buckets[i] += 1
        total += 1
    }

    /// Jobs finished in the last `seconds` (rounded to whole buckets, at most 15 minutes).
    public func count(lastSeconds seconds: Int64, now: Timestamp) -> Int {
        let current = now.micros / 1_000_000 / Self.bucketSeconds
        let oldest = current - max(1, seconds / Self.bucketSeconds) + 1
        var n = 0
        for i in 0..<Self.bucketCount where bucketStart[i] >= oldest && bucketStart[i] <= current { n += buckets[i] }
        return n
    }

    /// `finished_1m`, `finished_5m`, `finished_15m`, `finished_total`.
    public func json(now: Timestamp) -> [String: JSONValue] {
        ["finished_1m": .int(Int64(count(lastSeconds: 60, now: now))),
         "finished_5m": .int(Int64(count(lastSeconds: 300, now: now))),
         "finished_15m": .int(Int64(count(lastSeconds: 900, now: now))),
         "finished_total": .int(Int64(total))]
    }
}
