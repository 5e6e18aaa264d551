import QueueCore
import QueueSystem

/// What `GET /api/events` streams, computed once for all subscribers (its own thread, `run`):
/// it waits on the spool's change notifications (`SpoolChanges`), and while the hub has
/// subscribers it publishes
/// - `jobs` frames: the jobs that arrived in a state since the last frame (latest state per
///   id, at most `maxJobs` ids; `more: true` when some were left out), at most every
///   `minInterval` seconds;
/// - `status` frames: the `GET /api/status` object, recomputed after a change (or a periodic
///   rescan, see `SpoolChanges`) and sent only when it differs from the last one sent. A
///   recomputation starts at most every `minInterval` seconds and never sooner than
///   `costFactor` times what the last one took after it (status at 1M jobs takes about 0.5 s:
///   then every ~2.5 s), so a busy spool costs the server at most about a sixth of a core.
/// Without subscribers it computes nothing; the first subscriber triggers a fresh status.
final class EventFeed: @unchecked Sendable {
    let hub: EventHub
    let changes: SpoolChanges
    /// The status object as one line of JSON; nil when it cannot be computed now.
    let status: @Sendable () -> [UInt8]?
    let minInterval: Double
    let costFactor = 5.0
    static let maxJobs = 100
    private let wake = WakeChannel()
    private let stopping = LockedValue(false)

    init(hub: EventHub, changes: SpoolChanges, minInterval: Double = 0.25, status: @escaping @Sendable () -> [UInt8]?) {
        self.hub = hub
        self.changes = changes
        self.minInterval = minInterval
        self.status = status
        let wake = self.wake
        hub.onSubscribe.withLock { $0 = { wake.wake() } }
    }

    func stop() {
        stopping.withLock { $0 = true }
        wake.wake()
    }

    func run() {
        var dirty = true
        var listening = false
        var order: [JobID] = []
        var states: [JobID: JobState] = [:]
        var more = false
        var lastStatus: [UInt8]?
        var nextStatus = 0.0, nextJobs = 0.0
        while !stopping.withLock({ $0 }) {
            var wait = 1.0
            if listening && dirty { wait = min(wait, nextStatus - HTTPServer.now()) }
            if listening && !order.isEmpty { wait = min(wait, nextJobs - HTTPServer.now()) }
            let got = changes.wait(timeoutMilliseconds: max(0, Int(wait * 1000) + 1), alsoWatching: [wake.fd])
            wake.drain()
            if stopping.withLock({ $0 }) { return }
            guard hub.count > 0 else {
                listening = false
                order = []; states = [:]; more = false
                continue
            }
            if !listening { listening = true; dirty = true }
            for change in got {
                dirty = true
                guard case .job(let id, let state) = change else { continue }
                if states[id] == nil {
                    if order.count >= EventFeed.maxJobs { more = true; continue }
                    order.append(id)
                }
                states[id] = state
            }
            let now = HTTPServer.now()
            if !order.isEmpty && now >= nextJobs {
                let changed = order.map { JSONValue.object(["id": .string($0.rawValue), "state": .string(states[$0]?.rawValue ?? "")]) }
                hub.publish(event: "jobs", data: JSONCoding.encode(.object(["changed": .array(changed), "more": .bool(more)]), pretty: false))
                order = []; states = [:]; more = false
                nextJobs = now + minInterval
            }
            if dirty && now >= nextStatus {
                dirty = false
                let s = status()
                let end = HTTPServer.now()
                nextStatus = end + max(minInterval, costFactor * (end - now))
                if s == nil { dirty = true }
                if let s, s != lastStatus {
                    lastStatus = s
                    hub.publish(event: "status", data: s)
                }
            }
        }
    }
}
