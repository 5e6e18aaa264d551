/// The credentials a request may carry when the server has a token: `Bearer <token>`, or HTTP
/// Basic (`Basic base64(<any user>:<token>)`, what a browser sends after asking once).
extension WebSecurity {
    /// Whether the `Authorization` header value carries `token`. The token is compared in
    /// constant time (`constantTimeEqual`); a malformed header is simply no match.
    static func credentialsMatch(_ authorization: String, token: String) -> Bool {
        let value = authorization.trimmingSpaces()
        let scheme = value.prefix { $0 != " " }.lowercased()
        let rest = Array(value.drop { $0 != " " }.drop { $0 == " " }.utf8)
        switch scheme {
        case "bearer":
            return constantTimeEqual(rest, Array(token.utf8))
        case "basic":
            guard let decoded = base64Decode(rest), let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return false }
            return constantTimeEqual(Array(decoded[(colon + 1)...]), Array(token.utf8))
        default:
            return false
        }
    }

    /// Decodes standard base64 (RFC 4648, `=` padding optional); nil for any other byte.
    static func base64Decode(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt32 = 0, bits = 0
        var body = text[...]
        while body.last == UInt8(ascii: "=") { body.removeLast() }
        guard text.count - body.count <= 2, body.count % 4 != 1 else { return nil }
        for c in body {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            default: return nil
            }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xff))
            }
        }
        return out
    }
}
