import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#endif
import QueueSystem

/// A raw client of `GET /api/events` over a real socket: the head, then frames.
private final class EventStream {
    let connection: TCPConnection
    private var buffer: [UInt8] = []
    private(set) var head: String?
    private(set) var ended = false

    struct Frame {
        var lines: [String]
        var event: String? { lines.first { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) } }
        var json: [String: Any] {
            parseJSON(lines.first { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) } ?? "") as? [String: Any] ?? [:]
        }
        var counts: [String: Any] { json["counts"] as? [String: Any] ?? [:] }
        /// The `jobs` frame's entries as id -> state.
        var changed: [String: String] {
            var out: [String: String] = [:]
            for c in json["changed"] as? [[String: Any]] ?? [] { out[c["id"] as? String ?? ""] = c["state"] as? String }
            return out
        }
    }

    init(port: Int, headers: [String: String] = [:]) throws {
        connection = try TCPConnection.connect(host: "127.0.0.1", port: port)
        var text = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        try connection.writeAll(Array((text + "\r\n").utf8))
    }

    deinit { connection.close() }

    /// The head's status code (waits for the head).
    func status(timeout: Double = 10) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        while !popHead() && !ended && Date() < deadline { fill() }
        guard let first = head?.split(separator: "\r\n").first else { return nil }
        return Int(first.split(separator: " ")[1])
    }

    func header(_ name: String) -> String? {
        head?.split(separator: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
            .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) }
    }

    /// The next frame for which `match` holds (skipping others); nil on timeout or end.
    func next(timeout: Double = 15, where match: (Frame) -> Bool = { _ in true }) -> Frame? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            while let f = pop() { if match(f) { return f } }
            if ended || Date() >= deadline { return nil }
            fill()
        }
    }

    /// True once the server closed the stream within `timeout`.
    func waitForEnd(timeout: Double) -> Bool {
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
        if head != nil { return true }
        guard let text = String(bytes: buffer, encoding: .utf8), let r = text.range(of: "\r\n\r\n") else { return false }
        head = String(text[..<r.lowerBound])
        buffer.removeFirst(text[..<r.upperBound].utf8.count)
        return true
    }

    private func pop() -> Frame? {
        guard popHead(), let text = String(bytes: buffer, encoding: .utf8), let r = text.range(of: "\n\n") else { return nil }
        let frame = String(text[..<r.lowerBound])
        buffer.removeFirst(text[..<r.upperBound].utf8.count)
        return Frame(lines: frame.split(separator: "\n").map(String.init))
    }
}

/// `GET /api/events` (server-sent events) through the binary, over real sockets.
@Suite("web event stream through the binary")
struct WebEventsTests {
    @Test func streamsStatusAndJobFramesAsJobsMove() throws {
        let s = TempSpool()
        s.fast()
        let w = WebFixture(s)
        let c = try EventStream(port: w.port)
        #expect(c.status() == 200)
        #expect(c.header("Content-Type") == "text/event-stream")
        #expect(c.header("Cache-Control") == "no-store")
        #expect(c.next()?.lines == ["retry: 2000"])
        let first = try #require(c.next { $0.event == "status" })
        #expect(first.counts["pending"] as? Int == 0)
        #expect(first.json["paused"] as? Bool == false)
        s.enqueue(#"{"id":"live1","command":"true"}"#)
        #expect(c.next { $0.event == "jobs" && $0.changed["live1"] == "pending" } != nil)
        let worker = s.startWorker()
        defer { worker.kill9() }
        var completed = false, counted = false
        _ = c.next { f in
            if f.event == "jobs" && f.changed["live1"] == "completed" { completed = true }
            if f.event == "status" && f.counts["completed"] as? Int == 1 { counted = true }
            return completed && counted
        }
        #expect(completed, "a jobs frame with live1 completed")
        #expect(counted, "a status frame with completed 1")
        #expect(worker.stop() == 0)
        // Only GET (405 otherwise); the Host rule applies as for any GET.
        #expect(w.request("POST", "/api/events")?.status == 405)
        #expect(w.request("GET", "/api/events", headers: ["Host": "evil.example:\(w.port)"])?.status == 403)
        #expect(w.process.stop() == 0)
    }

    @Test func theTokenIsRequiredForTheStream() throws {
        let s = TempSpool()
        let w = WebFixture(s, ["--token", "s3cret"])
        let refused = try #require(w.request("GET", "/api/events"))
        #expect(refused.status == 401 || refused.status == 403, "\(refused)")
        let c = try EventStream(port: w.port, headers: ["Authorization": "Bearer s3cret"])
        #expect(c.status() == 200)
        #expect(c.next { $0.event == "status" } != nil)
        #expect(w.process.stop() == 0)
    }

    @Test func clientsThatNeverReadAndSeventyAtOnceDoNotStopOthers() throws {
        let s = TempSpool()
        s.fast()
        let w = WebFixture(s)
        let reader = try EventStream(port: w.port)
        #expect(reader.status() == 200)
        #expect(reader.next { $0.event == "status" } != nil)
        // 70 more that never read what they are sent: at most 64 streams in all, the rest 503.
        var idle: [TCPConnection] = []
        defer { for c in idle { c.close() } }
        for _ in 0..<70 {
            let c = try TCPConnection.connect(host: "127.0.0.1", port: w.port)
            try c.writeAll(Array("GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:\(w.port)\r\n\r\n".utf8))
            idle.append(c)
        }
        Thread.sleep(forTimeInterval: 0.3)
        let start = Date()
        let status = try #require(w.request("GET", "/api/status", ))
        #expect(status.status == 200)
        #expect(Date().timeIntervalSince(start) < 2, "GET /api/status answers fast with 70 streams open")
        var answers: [Int: Int] = [:]
        for c in idle {
            var got: [UInt8] = []
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline, !String(decoding: got, as: UTF8.self).contains("\r\n") {
                guard let chunk = try? c.read(max: 4096, timeoutMilliseconds: 100) else { continue }
                if chunk.isEmpty { break }
                got += chunk
            }
            let code = Int(String(decoding: got, as: UTF8.self).split(separator: " ").dropFirst().first ?? "") ?? 0
            answers[code, default: 0] += 1
        }
        #expect(answers == [200: 63, 503: 7], "\(answers)")
        // The first subscriber still gets live frames.
        s.enqueue(#"{"id":"busy1","command":"true"}"#)
        #expect(reader.next { $0.event == "jobs" && $0.changed["busy1"] == "pending" } != nil)
        #expect(w.process.stop() == 0)
    }

    @Test func clientsThatDisconnectAreDroppedAndTheServerKeepsServing() throws {
        let s = TempSpool()
        let w = WebFixture(s)
        var streams: [EventStream] = []
        for _ in 0..<64 {
            let c = try EventStream(port: w.port)
            #expect(c.status() == 200)
            streams.append(c)
        }
        #expect(w.request("GET", "/api/events")?.status == 503, "full")
        streams = []  // all 64 disconnect
        // Their slots come back without any frame being sent to them (end of stream is seen).
        var again: [EventStream] = []
        #expect(eventually(timeout: 5) {
            guard let c = try? EventStream(port: w.port), c.status() == 200 else { return false }
            again.append(c)
            return true
        })
        for _ in 0..<63 {
            let c = try EventStream(port: w.port)
            #expect(c.status() == 200)
            again.append(c)
        }
        #expect(w.request("GET", "/api/status")?.status == 200)
        #expect(w.process.stop() == 0)
    }

    @Test func sigtermWithOpenStreamsExitsCleanly() throws {
        let s = TempSpool()
        let w = WebFixture(s)
        var streams: [EventStream] = []
        for _ in 0..<3 {
            let c = try EventStream(port: w.port)
            #expect(c.next { $0.event == "status" } != nil)
            streams.append(c)
        }
        let start = Date()
        w.process.signal(SIGTERM)
        #expect(w.process.wait(timeout: 10) == 0)
        #expect(Date().timeIntervalSince(start) < 2, "exited in \(Date().timeIntervalSince(start)) s")
        for c in streams { #expect(c.waitForEnd(timeout: 2), "the stream ended") }
        #expect(w.process.output.contains("stopped"))
    }
}
