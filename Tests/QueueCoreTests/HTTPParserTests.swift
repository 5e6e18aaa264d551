import Testing
@testable import QueueWeb

@Suite("HTTP request parser and security rules")
struct HTTPParserTests {
    func parse(_ s: String, limits: HTTPLimits = HTTPLimits()) throws(HTTPError) -> HTTPRequest? {
        try HTTPParser.parse(Array(s.utf8), limits: limits)
    }

    func status(_ s: String, limits: HTTPLimits = HTTPLimits()) -> Int? {
        do { _ = try parse(s, limits: limits); return nil } catch { return error.status }
    }

    @Test func parsesPathQueryHeadersAndBody() throws {
        let r = try #require(try parse("POST /api/jobs?state=dead&q=a%20b+c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-A:  v \r\n\r\nabc"))
        #expect(r.method == "POST" && r.path == "/api/jobs")
        #expect(r.query == ["state": "dead", "q": "a b c"])
        #expect(r.header("x-a") == "v" && r.header("HOST") == "x")
        #expect(r.body == Array("abc".utf8))
    }

    @Test func waitsForMoreBytes() throws {
        #expect(try parse("GET /api/st") == nil)
        #expect(try parse("GET / HTTP/1.1\r\nHost: x\r\n") == nil)
        #expect(try parse("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab") == nil)
        #expect(try parse("GET / HTTP/1.1\r\n\r\n") != nil)
    }

    @Test func refusesBadInputAndBounds() {
        var small = HTTPLimits()
        small.body = 10
        #expect(status("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits: small) == 413)
        #expect(status("GET /" + String(repeating: "a", count: 9000)) == 400)
        #expect(status("GET / HTTP/1.1\r\n" + String(repeating: "X: y\r\n", count: 101) + "\r\n") == 413)
        #expect(status("GET / HTTP/1.1\r\n" + String(repeating: "X", count: 40000)) == 413)
        #expect(status("GET /a/../b HTTP/1.1\r\n\r\n") == 400)
        #expect(status("GET /a/%2E%2E/b HTTP/1.1\r\n\r\n") == 400)
        #expect(status("GET /a%zz HTTP/1.1\r\n\r\n") == 400)
        #expect(status("GET /a%00 HTTP/1.1\r\n\r\n") == 400)
        #expect(status("get / HTTP/1.1\r\n\r\n") == 400)
        #expect(status("GET http://x/ HTTP/1.1\r\n\r\n") == 400)
        #expect(status("GET / HTTP/2\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.1\r\nno colon\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == 400)
        #expect(status("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == 400)
        #expect(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == 400)
        #expect(status("\u{0}\u{1}\n") == 400)
    }

    @Test func randomBytesNeverCrashTheParser() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("GET POST /api/%2e.\r\n:Content-Length: 12\r\n\r\n?&=+%zz".utf8) + [0, 255, 10, 13]
        for _ in 0..<3000 {
            let n = Int.random(in: 0...300, using: &rng)
            let bytes = (0..<n).map { _ in Bool.random() ? alphabet.randomElement()! : UInt8.random(in: 0...255) }
            _ = try? HTTPParser.parse(Array("GET /".utf8) + bytes)
            _ = try? HTTPParser.parse(bytes)
        }
    }

    @Test func securityRules() {
        #expect(WebSecurity.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!WebSecurity.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!WebSecurity.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        let rules = WebSecurity(token: "t", readOnly: false, ownOrigins: ["http://127.0.0.1:1"])
        func req(_ headers: [String: String]) -> HTTPRequest {
            HTTPRequest(method: "POST", path: "/api/pause", query: [:], headers: headers, body: [])
        }
        #expect(rules.refusal(req([:]), isMutation: false)?.status == 401)
        #expect(rules.refusal(req(["authorization": "Bearer t"]), isMutation: true) == nil)
        #expect(rules.refusal(req(["authorization": "Bearer t", "origin": "http://127.0.0.1:1"]), isMutation: true) == nil)
        #expect(rules.refusal(req(["authorization": "Bearer t", "origin": "null"]), isMutation: true)?.status == 403)
        #expect(rules.refusal(req(["authorization": "Bearer t", "sec-fetch-site": "cross-site"]), isMutation: true)?.status == 403)
        #expect(rules.refusal(req(["authorization": "Bearer t", "sec-fetch-site": "cross-site"]), isMutation: false) == nil)
        let local = WebSecurity(token: nil, readOnly: false, ownOrigins: ["http://127.0.0.1:1"], allowedHosts: ["127.0.0.1:1"])
        #expect(local.refusal(req(["host": "evil.example:1"]), isMutation: false)?.status == 403)
        #expect(local.refusal(req(["host": "127.0.0.1:1"]), isMutation: false) == nil)
        #expect(rules.refusal(req(["authorization": "Bearer t", "host": "10.0.0.5:1", "origin": "http://10.0.0.5:1"]), isMutation: true) == nil)
        let ro = WebSecurity(token: nil, readOnly: true, ownOrigins: [])
        #expect(ro.refusal(req([:]), isMutation: true)?.status == 403)
        #expect(ro.refusal(req([:]), isMutation: false) == nil)
    }
}
