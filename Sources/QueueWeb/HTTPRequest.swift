/// An HTTP/1.1 request as the server parsed it: method, decoded path, query and headers (names
/// lower-cased), and the body (`Content-Length` only; chunked bodies are refused).
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// The percent-decoded path, without the query; never contains a `..` or `.` segment.
    public var path: String
    public var query: [String: String]
    public var headers: [String: String]
    public var body: [UInt8]

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The bounds on a request (see README, "Web API").
public struct HTTPLimits: Sendable {
    public var requestLine = 8 * 1024
    public var headerBytes = 32 * 1024
    public var headerCount = 100
    public var body = 1024 * 1024
    public init() {}
}

/// A request the parser refuses: the status to answer with and why.
public struct HTTPError: Error, Sendable, Equatable {
    public var status: Int
    public var message: String
    public init(_ status: Int, _ message: String) { self.status = status; self.message = message }
}

/// Parses requests from the bytes received so far. Pure: no I/O, so it is tested directly.
public enum HTTPParser {
    /// The request in `buffer` if complete, nil if more bytes are needed.
    /// - Throws: `HTTPError` (400, 413, 431 as 413...) as soon as the bytes so far break a rule
    ///   or a bound, so a client cannot make the server buffer more than the limits.
    public static func parse(_ buffer: [UInt8], limits: HTTPLimits = HTTPLimits()) throws(HTTPError) -> HTTPRequest? {
        guard let lineEnd = find(buffer, [13, 10], from: 0) else {
            if buffer.count > limits.requestLine { throw HTTPError(400, "request line too long") }
            if buffer.contains(where: { $0 == 10 || $0 == 0 }) { throw HTTPError(400, "malformed request line") }
            return nil
        }
        if lineEnd > limits.requestLine { throw HTTPError(400, "request line too long") }
        guard let headEnd = find(buffer, [13, 10, 13, 10], from: lineEnd) else {
            if buffer.count - lineEnd > limits.headerBytes { throw HTTPError(413, "headers too large") }
            return nil
        }
        if headEnd - lineEnd > limits.headerBytes { throw HTTPError(413, "headers too large") }
        guard let line = String(validating: buffer[0..<lineEnd], as: UTF8.self) else { throw HTTPError(400, "request line is not UTF-8") }
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else { throw HTTPError(400, "malformed request line") }
        let method = String(parts[0])
        guard !method.isEmpty, method.utf8.allSatisfy({ (65...90).contains($0) }) else { throw HTTPError(400, "malformed method") }
        let target = String(parts[1])
        guard target.hasPrefix("/") else { throw HTTPError(400, "the request target must be a path") }
        var headers: [String: String] = [:]
        var count = 0
        if headEnd > lineEnd {
            let block = buffer[(lineEnd + 2)..<headEnd]
            for raw in block.split(separator: 10, omittingEmptySubsequences: false) {
                var bytes = Array(raw)
                if bytes.last == 13 { bytes.removeLast() }
                count += 1
                if count > limits.headerCount { throw HTTPError(413, "too many headers") }
                guard let text = String(validating: bytes, as: UTF8.self), let colon = text.firstIndex(of: ":") else {
                    throw HTTPError(400, "malformed header")
                }
                let name = text[..<colon].lowercased()
                guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { throw HTTPError(400, "malformed header name") }
                let value = text[text.index(after: colon)...].trimmingSpaces()
                if name == "content-length", let old = headers[name], old != value { throw HTTPError(400, "conflicting Content-Length") }
                headers[name] = headers[name].map { name == "content-length" ? $0 : $0 + ", " + value } ?? value
            }
        }
        if headers["transfer-encoding"] != nil { throw HTTPError(400, "Transfer-Encoding is not supported; send Content-Length") }
        var length = 0
        if let cl = headers["content-length"] {
            guard !cl.isEmpty, cl.count <= 12, cl.utf8.allSatisfy({ (48...57).contains($0) }), let n = Int(cl) else {
                throw HTTPError(400, "invalid Content-Length")
            }
            length = n
        }
        if length > limits.body { throw HTTPError(413, "body larger than \(limits.body) bytes") }
        let bodyStart = headEnd + 4
        if buffer.count < bodyStart + length { return nil }
        let (path, query) = try splitTarget(target)
        return HTTPRequest(method: method, path: path, query: query, headers: headers,
                           body: Array(buffer[bodyStart..<(bodyStart + length)]))
    }

    /// Splits and percent-decodes the target; refuses `.`/`..` segments, NULs and bad escapes.
    static func splitTarget(_ target: String) throws(HTTPError) -> (String, [String: String]) {
        let pieces = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard let path = decode(pieces[0], plusIsSpace: false), !path.contains("\0") else { throw HTTPError(400, "malformed path") }
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) where segment == ".." || segment == "." {
            throw HTTPError(400, "dot segments are not allowed in paths")
        }
        var query: [String: String] = [:]
        if pieces.count == 2 {
            for pair in pieces[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let k = decode(kv[0], plusIsSpace: true), let v = decode(kv.count == 2 ? kv[1] : "", plusIsSpace: true) else {
                    throw HTTPError(400, "malformed query")
                }
                query[k] = v
            }
        }
        return (path, query)
    }

    static func decode(_ s: Substring, plusIsSpace: Bool) -> String? {
        var out: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == 37 {
                guard it.count >= 2, let h = hex(it.removeFirst()), let l = hex(it.removeFirst()) else { return nil }
                out.append(h << 4 | l)
            } else {
                out.append(plusIsSpace && c == 43 ? 32 : c)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }

    static func find(_ haystack: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
