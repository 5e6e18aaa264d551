import Foundation
@testable import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#endif
import QueueSystem
@testable import QueueWeb

/// A raw client of a server-sent event stream over a real socket: the head, then frames.
private final class SSEClient: @unchecked Sendable {
    let connection: TCPConnection
    private var buffer: [UInt8] = []
    private(set) var head: String?
    private(set) var ended = false

    struct Frame {
        var lines: [String]
        var arrived: Date
        var event: String? { field("event") }
        var data: String? { field("data") }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data((data ?? "").utf8))) as? [String: Any] ?? [:] }
        func field(_ name: String) -> String? {
            lines.first { $0.hasPrefix(name + ": ") }.map { String($0.dropFirst(name.count + 2)) }
        }
    }

    init(port: Int, path: String = "/api/events", headers: [String: String] = [:]) throws {
        connection = try TCPConnection.connect(host: "127.0.0.1", port: port)
        var text = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        try connection.writeAll(Array((text + "\r\n").utf8))
    }

    deinit { connection.close() }

    /// The status code of the head (reads until the head arrived).
    func status(timeout: Double = 10) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        while !popHead() && !ended && Date() < deadline { fill() }
        guard let first = head?.split(separator: "\r\n").first else { return nil }
        return Int(first.split(separator: " ")[1])
    }

    /// The next frame for which `match` holds (skipping others); nil on timeout or end of stream.
    func next(timeout: Double = 10, where match: (Frame) -> Bool = { _ in true }) -> Frame? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            while let f = pop() { if match(f) { return f } }
            if ended || Date() >= deadline { return nil }
            fill()
        }
    }

    /// True once the server closed the stream (within `timeout`).
    func waitForEnd(timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !ended && Date() < deadline { buffer = []; fill() }
        return ended
    }

    private func fill() {
        do {
            guard let chunk = try connection.read(max: 65536, timeoutMilliseconds: 50) else { return }
            if chunk.isEmpty { ended = true } else { buffer += chunk }
        } catch {
            ended = true
        }
    }

    private func popHead() -> Bool {
        if head == nil {
            guard let r = find([13, 10, 13, 10]) else { return false }
            head = String(decoding: buffer[0..<r], as: UTF8.self)
            buffer.removeFirst(r + 4)
        }
        return true
    }

    private func pop() -> Frame? {
        guard popHead(), let r = find([10, 10]) else { return nil }
        let text = String(decoding: buffer[0..<r], as: UTF8.self)
        buffer.removeFirst(r + 2)
        return Frame(lines: text.split(separator: "\n").map(String.init), arrived: Date())
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        return buffer.withUnsafeBufferPointer { b in
            var i = 0
            while i + needle.count <= b.count {
                if b[i] == needle[0] {
                    var same = true
                    for k in 1..<needle.count where b[i + k] != needle[k] { same = false; break }
                    if same { return i }
                }
                i += 1
            }
            return nil
        }
    }
}

/// `GET /api/events` in process: the polling fallback, the cost-based rate limit, and a
/// subscriber that does not read.
@Suite("event streams in process")
struct EventStreamTests {
    @Test func withInotifyDisabledStatusFramesFollowTheSpoolByPolling() throws {
        let lib = try LibrarySpool("events-poll")
        defer { lib.remove() }
        var options = WebEventOptions()
        options.inotify = false
        options.pollPeriod = 0.1
        let server = try WebServer(spool: lib.spool, host: "127.0.0.1", port: 0, readOnly: false, token: nil, events: options)
        DetachedThread.start { server.run() }
        defer { server.stop() }
        let client = try SSEClient(port: server.port)
        #expect(client.status() == 200)
        #expect(client.next()?.lines == ["retry: 2000"])
        let first = try #require(client.next { $0.event == "status" })
        #expect((first.json["counts"] as? [String: Any])?["pending"] as? Int == 0)
        try lib.add("polled")
        let later = client.next(timeout: 5) { ($0.json["counts"] as? [String: Any])?["pending"] as? Int == 1 }
        #expect(later?.event == "status", "the change was seen by polling")
    }

    @Test func statusIsRecomputedNoMoreOftenThanFiveTimesItsCost() throws {
        let hub = EventHub()
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            var r = HTTPResponse(status: 200, contentType: "text/event-stream", body: [])
            r.stream = hub.reserve()
            return r
        }
        let lib = try LibrarySpool("events-rate")
        defer { lib.remove() }
        // Always dirty (polls every 10 ms) and always different; each computation takes 0.2 s.
        let counter = LockedValue(0)
        let feed = EventFeed(hub: hub, changes: SpoolChanges(spool: lib.spool, useInotify: false, pollPeriod: 0.01)) {
            usleep(200_000)
            return Array("{\"n\":\(counter.withLock { $0 += 1; return $0 })}".utf8)
        }
        DetachedThread.start { server.run() }
        DetachedThread.start { hub.run() }
        DetachedThread.start { feed.run() }
        defer { server.stop(); feed.stop(); hub.stop() }
        let client = try SSEClient(port: server.port)
        var arrivals: [Date] = []
        let end = Date().addingTimeInterval(4)
        while Date() < end, let f = client.next(timeout: end.timeIntervalSinceNow, where: { $0.event == "status" }) {
            arrivals.append(f.arrived)
        }
        #expect(arrivals.count >= 2, "\(arrivals.count) status frames")
        let gaps = zip(arrivals.dropFirst(), arrivals).map { $0.timeIntervalSince($1) }
        // 0.2 s of work, then at least 5 × 0.2 s before the next starts: about 1.2 s apart.
        #expect(gaps.allSatisfy { $0 > 0.9 }, "gaps \(gaps)")
    }

    @Test func aSubscriberThatDoesNotReadIsDroppedAndOthersKeepReceiving() throws {
        let hub = EventHub(keepalive: 0.05)
        let server = try HTTPServer(host: "127.0.0.1", port: 0) { _ in
            var r = HTTPResponse(status: 200, contentType: "text/event-stream", body: [])
            r.stream = hub.reserve()
            return r
        }
        DetachedThread.start { server.run() }
        DetachedThread.start { hub.run() }
        defer { server.stop(); hub.stop() }
        let stalled = try TCPConnection.connect(host: "127.0.0.1", port: server.port)
        defer { stalled.close() }
        try stalled.writeAll(Array("GET /api/events HTTP/1.1\r\n\r\n".utf8))
        let reader = try TCPConnection.connect(host: "127.0.0.1", port: server.port)
        defer { reader.close() }
        try reader.writeAll(Array("GET /api/events HTTP/1.1\r\n\r\n".utf8))
        #expect(eventually { hub.count == 2 })
        // A reader thread keeps draining; the stalled socket fills up and must be dropped.
        let received = LockedValue(0)
        let stopReading = LockedValue(false)
        DetachedThread.start {
            while !stopReading.withLock({ $0 }) {
                if let chunk = try? reader.read(max: 1 << 20, timeoutMilliseconds: 100) {
                    if chunk.isEmpty { break }
                    received.withLock { $0 += chunk.count }
                }
            }
        }
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 256 * 1024)
        let dropped = eventually(timeout: 30) {
            hub.publish(event: "big", data: big)
            usleep(20_000)
            return hub.count == 1
        }
        #expect(dropped, "the subscriber that never reads was dropped")
        // The one left is the reader: it keeps receiving.
        let before = received.withLock { $0 }
        hub.publish(event: "big", data: big)
        #expect(eventually { received.withLock { $0 } >= before + big.count })
        stopReading.withLock { $0 = true }
        #expect(hub.count == 1)
    }
}

private func eventually(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}
