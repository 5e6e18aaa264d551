/// The server's security rules (README, "Web API"), applied before any route: the token on
/// every request, and for mutations the read-only switch and the same-origin rule.
public struct WebSecurity: Sendable {
    /// Required on every request when set, as `Authorization: Bearer <token>` or as HTTP Basic
    /// with any user name and the token as password (so a browser asks for it once).
    public var token: String?
    public var readOnly: Bool
    /// The origins a mutation may come from (the server's own, e.g. `http://127.0.0.1:8080`).
    public var ownOrigins: [String]

    /// The `Host` values accepted (when one is sent), e.g. `127.0.0.1:8080`; nil accepts any.
    /// On loopback this refuses DNS rebinding (a page whose name now points at 127.0.0.1 sends
    /// its own name as Host).
    public var allowedHosts: [String]?

    public init(token: String?, readOnly: Bool, ownOrigins: [String], allowedHosts: [String]? = nil) {
        self.token = token; self.readOnly = readOnly; self.ownOrigins = ownOrigins; self.allowedHosts = allowedHosts
    }

    /// Nil when `request` may proceed, else the refusal: 401 without valid credentials (the
    /// response then carries `WWW-Authenticate: Basic`), 403 for the other rules.
    public func refusal(_ request: HTTPRequest, isMutation: Bool) -> HTTPError? {
        if let token, !WebSecurity.credentialsMatch(request.header("authorization") ?? "", token: token) {
            return HTTPError(401, "a valid token is required: Authorization: Bearer <token>, or Basic with the token as password")
        }
        if let allowedHosts, let host = request.header("host"), !allowedHosts.contains(host.lowercased()) {
            return HTTPError(403, "unexpected Host header")
        }
        guard isMutation else { return nil }
        if readOnly { return HTTPError(403, "the server is read-only") }
        // With a token (any address), the page's own origin is the Host it was asked by: a
        // cross-site page cannot send the token, so this opens nothing.
        var origins = ownOrigins
        if token != nil, let host = request.header("host") { origins.append("http://\(host)") }
        if let origin = request.header("origin"), !origins.contains(origin) {
            return HTTPError(403, "cross-origin requests may not change anything")
        }
        if request.header("sec-fetch-site")?.lowercased() == "cross-site" {
            return HTTPError(403, "cross-site requests may not change anything")
        }
        return nil
    }

    /// Compares in time that depends only on the lengths, not on where the bytes differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            diff |= x ^ y
        }
        return diff == 0
    }
}
