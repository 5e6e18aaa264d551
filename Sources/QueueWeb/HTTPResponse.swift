import QueueCore

/// A response: status, JSON or text body, and the headers every response carries.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var extraHeaders: [(String, String)] = []
    /// The `Content-Security-Policy` sent: nothing allowed, except on the dashboard's page
    /// and assets (`Dashboard.csp`).
    public var contentSecurityPolicy = "default-src 'none'"
    /// When set, the server hands the connection to this stream instead of writing `body`.
    public var stream: HTTPStream?

    public init(status: Int, contentType: String, body: [UInt8], extraHeaders: [(String, String)] = []) {
        self.status = status; self.contentType = contentType; self.body = body; self.extraHeaders = extraHeaders
    }

    public static func json(_ value: JSONValue, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: JSONCoding.encode(value, pretty: false) + [10])
    }

    public static func error(_ status: Int, _ message: String) -> HTTPResponse {
        var r = json(.object(["error": .string(message)]), status: status)
        if status == 405 { r.extraHeaders.append(("Allow", "GET, POST, DELETE")) }
        if status == 401 { r.extraHeaders.append(("WWW-Authenticate", "Basic realm=\"queuectl\"")) }
        return r
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }

    /// The bytes on the wire, with `Connection: close` and the security headers.
    public func serialized(head: Bool = false) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(HTTPResponse.reason(status))\r\n"
        text += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        text += "X-Content-Type-Options: nosniff\r\nContent-Security-Policy: \(contentSecurityPolicy)\r\nCache-Control: no-store\r\n"
        text += "X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"
        for (k, v) in extraHeaders { text += "\(k): \(v)\r\n" }
        text += "\r\n"
        return Array(text.utf8) + (head ? [] : body)
    }
}
