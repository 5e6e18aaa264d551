import Foundation
import QueueCore
import QueueSystem

/// One HTTP answer as the raw test client read it.
struct HTTPReply: CustomStringConvertible {
    var status: Int
    var headers: [String: String]
    var body: String
    var json: Any? { parseJSON(body) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var description: String { "\(status) \(headers) \(body)" }
}

/// A running `queuectl web` on a temp spool, and a raw HTTP/1.1 client over a real socket.
final class WebFixture: @unchecked Sendable {
    let spool: TempSpool
    let process: RunningProcess
    let port: Int

    init(_ s: TempSpool, _ extra: [String] = []) {
        spool = s
        process = s.start(["web", "--port", "0"] + extra)
        _ = process.waitFor("listening on http://", timeout: 30)
        let line = process.output.split(separator: "\n").first { $0.hasPrefix("listening on") } ?? ""
        port = Int(line.split(separator: ":").last ?? "") ?? 0
    }

    deinit { process.kill9() }

    /// Sends `raw` bytes and reads the answer until the server closes.
    func raw(_ bytes: [UInt8], timeout: Double = 20) -> HTTPReply? {
        guard let c = try? TCPConnection.connect(host: "127.0.0.1", port: port) else { return nil }
        defer { c.close() }
        try? c.writeAll(bytes)
        return WebFixture.readReply(c, timeout: timeout)
    }

    static func readReply(_ c: TCPConnection, timeout: Double) -> HTTPReply? {
        var got: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let chunk = try? c.read(max: 65536, timeoutMilliseconds: 200) else { continue }
            if chunk.isEmpty { break }
            got += chunk
        }
        let text = String(decoding: got, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<split.lowerBound].split(separator: "\r\n")
        guard let first = head.first, let status = Int(first.split(separator: " ")[1]) else { return nil }
        var headers: [String: String] = [:]
        for h in head.dropFirst() {
            if let colon = h.firstIndex(of: ":") {
                headers[h[..<colon].lowercased()] = h[h.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return HTTPReply(status: status, headers: headers, body: String(text[split.upperBound...]))
    }

    /// A well-formed request.
    func request(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) -> HTTPReply? {
        var text = "\(method) \(path) HTTP/1.1\r\n"
        if headers["Host"] == nil { text += "Host: 127.0.0.1:\(port)\r\n" }
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        if let body { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        return raw(Array(text.utf8))
    }
}
