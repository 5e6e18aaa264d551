import QueueSystem

/// A response that becomes a stream: after the handler returns it, the server hands the open
/// connection to `adopt`, which then owns it (writes the head itself, closes it in the end).
public struct HTTPStream: Sendable {
    let adopt: @Sendable (TCPConnection) -> Void
}

/// The subscribers of `GET /api/events` (server-sent events) and the one thread that writes to
/// them all (`run`). No thread per subscriber, and never a blocking write:
/// - at most `capacity` subscribers (a slot is taken by `reserve()` when the request is
///   routed; beyond that the route answers 503);
/// - each round, the frames published since the last round (and `: keepalive` every
///   `keepalive` seconds) are sent with non-blocking `send`; what the socket does not take
///   stays as that subscriber's only backlog, flushed when `poll` says it is writable. A
///   subscriber that still has a backlog when the next frames come is dropped (closed): its
///   memory is bounded by one round's frames;
/// - a subscriber whose peer closed (read returns end of stream, `POLLHUP`/`POLLERR`) is
///   dropped; bytes it sends are discarded;
/// - a new subscriber first gets the response head, `retry: 2000` and the latest status frame;
/// - `stop()` closes every subscriber and ends `run`.
public final class EventHub: @unchecked Sendable {
    public let capacity: Int
    public let keepalive: Double

    private struct Shared {
        var slots = 0
        var incoming: [TCPConnection] = []
        var frames: [[UInt8]] = []
        var latestStatus: [UInt8]?
        var stopping = false
        var finished = false
    }

    private final class Subscriber {
        let connection: TCPConnection
        var backlog: ArraySlice<UInt8> = []
        init(_ c: TCPConnection) { connection = c }
    }

    private let shared = LockedValue(Shared())
    private let wake = WakeChannel()
    /// Called (from a server thread) when a subscriber is adopted, e.g. to wake the feed.
    let onSubscribe = LockedValue<@Sendable () -> Void>({})

    /// - Parameters:
    ///   - capacity: the most subscribers at once (at least 1).
    ///   - keepalive: seconds between `: keepalive` comments.
    public init(capacity: Int = 64, keepalive: Double = 15) {
        self.capacity = max(1, capacity)
        self.keepalive = max(0.05, keepalive)
    }

    /// The response head and the first frame every subscriber gets.
    static let preamble: [UInt8] = {
        let head = String(decoding: HTTPResponse(status: 200, contentType: "text/event-stream", body: []).serialized(head: true),
                          as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("Content-Length:") }
        return Array(lines.joined(separator: "\r\n").utf8) + Array("retry: 2000\n\n".utf8)
    }()

    /// Subscribers plus streams being handed over.
    public var count: Int { shared.withLock { $0.slots } }

    /// Takes a slot for a new stream: nil when `capacity` streams are open or the hub stopped.
    func reserve() -> HTTPStream? {
        let ok = shared.withLock { s -> Bool in
            guard !s.stopping, s.slots < capacity else { return false }
            s.slots += 1
            return true
        }
        return ok ? HTTPStream { [self] c in adopt(c) } : nil
    }

    private func adopt(_ c: TCPConnection) {
        let accepted = shared.withLock { s -> Bool in
            if s.stopping { s.slots -= 1; return false }
            s.incoming.append(c)
            return true
        }
        if !accepted { c.close(); return }
        wake.wake()
        onSubscribe.withLock { $0 }()
    }

    /// Queues a frame (`event: NAME`, one `data:` line) for every current subscriber; a
    /// `status` frame is also kept for those who arrive later.
    func publish(event: String, data: [UInt8]) {
        let frame = Array("event: \(event)\ndata: ".utf8) + data + Array("\n\n".utf8)
        shared.withLock { s in
            guard !s.stopping else { return }
            s.frames.append(frame)
            if event == "status" { s.latestStatus = frame }
        }
        wake.wake()
    }

    /// Closes every subscriber; `run` returns. Safe from any thread.
    public func stop() {
        shared.withLock { $0.stopping = true }
        wake.wake()
    }

    /// Waits up to `seconds` for `run` to have closed every subscriber.
    public func waitUntilFinished(seconds: Double) {
        let deadline = MonotonicClock.deadline(afterNanos: UInt64(seconds * 1e9))
        while !shared.withLock({ $0.finished }) && MonotonicClock.nanos() < deadline { ProcessControl.sleep(seconds: 0.01) }
    }

    /// The broadcaster loop (its own thread); returns after `stop()`.
    public func run() {
        var subscribers: [Subscriber] = []
        var nextKeepalive = HTTPServer.now() + keepalive
        func drop(_ s: Subscriber) {
            s.connection.close()
            shared.withLock { $0.slots -= 1 }
        }
        /// Sends what the socket takes; false when the subscriber must go.
        func flush(_ s: Subscriber) -> Bool {
            guard let n = s.connection.sendAvailable(s.backlog) else { return false }
            s.backlog = s.backlog.dropFirst(n)
            if s.backlog.isEmpty { s.backlog = [] }
            return true
        }
        while true {
            let wait = max(0, Int((nextKeepalive - HTTPServer.now()) * 1000) + 1)
            let ready = Socket.readiness([(wake.fd, false)] + subscribers.map { ($0.connection.fd, !$0.backlog.isEmpty) },
                                    timeoutMilliseconds: min(wait, 1000))
            wake.drain()
            let (incoming, frames, latest, stopping) = shared.withLock { s in
                defer { s.incoming = []; s.frames = [] }
                return (s.incoming, s.frames, s.latestStatus, s.stopping)
            }
            if stopping {
                for s in subscribers { s.connection.shutdownWrite(); drop(s) }
                for c in incoming { c.close(); shared.withLock { $0.slots -= 1 } }
                shared.withLock { $0.finished = true }
                return
            }
            var kept: [Subscriber] = []
            for (i, s) in subscribers.enumerated() {
                let r = ready.count > i + 1 ? ready[i + 1] : Socket.Readiness()
                if r.failed || (r.readable && !s.connection.discardAvailable()) || (r.writable && !flush(s)) {
                    drop(s)
                } else {
                    kept.append(s)
                }
            }
            subscribers = kept
            var round = frames.flatMap { $0 }
            if HTTPServer.now() >= nextKeepalive {
                round += Array(": keepalive\n\n".utf8)
                nextKeepalive = HTTPServer.now() + keepalive
            }
            if !round.isEmpty {
                kept = []
                for s in subscribers {
                    // Still busy with earlier frames: it cannot take these; drop it.
                    if !s.backlog.isEmpty { drop(s); continue }
                    s.backlog = round[...]
                    if flush(s) { kept.append(s) } else { drop(s) }
                }
                subscribers = kept
            }
            for c in incoming {
                let s = Subscriber(c)
                s.backlog = (EventHub.preamble + (latest ?? []))[...]
                if flush(s) { subscribers.append(s) } else { drop(s) }
            }
        }
    }
}
