import Testing
@testable import QueueWeb

/// The credentials accepted with a token: Bearer, or Basic with the token as password.
@Suite("web credentials: Bearer and Basic")
struct BasicAuthTests {
    @Test func base64DecodesStandardAlphabetAndRefusesTheRest() {
        #expect(WebSecurity.base64Decode(Array("dTpzM2NyZXQ=".utf8)) == Array("u:s3cret".utf8))
        #expect(WebSecurity.base64Decode(Array("YWI=".utf8)) == Array("ab".utf8))
        #expect(WebSecurity.base64Decode(Array("YWJj".utf8)) == Array("abc".utf8))
        #expect(WebSecurity.base64Decode(Array("YQ".utf8)) == Array("a".utf8))
        #expect(WebSecurity.base64Decode(Array("".utf8)) == [])
        #expect(WebSecurity.base64Decode(Array("YWJ!".utf8)) == nil)
        #expect(WebSecurity.base64Decode(Array("Y".utf8)) == nil)
        #expect(WebSecurity.base64Decode(Array("YQ===".utf8)) == nil)
    }

    @Test func credentials() {
        let ok = ["Bearer t0k", "bearer t0k", "Basic dTp0MGs=", "Basic OnQwaw==", "Basic YW55b25lOnQwaw"]
        for h in ok { #expect(WebSecurity.credentialsMatch(h, token: "t0k"), "\(h)") }
        // Wrong password, no colon, the token as user name, bad base64, other schemes.
        let bad = ["", "t0k", "Bearer t0", "Bearer t0kk", "Basic dTp0MGw=", "Basic dDBr", "Basic dDBrOg==", "Basic !!", "Digest t0k", "Bearer"]
        for h in bad { #expect(!WebSecurity.credentialsMatch(h, token: "t0k"), "\(h)") }
        let rules = WebSecurity(token: "t0k", readOnly: false, ownOrigins: [])
        let request = HTTPRequest(method: "GET", path: "/", query: [:], headers: ["authorization": "Basic dTp0MGs="], body: [])
        #expect(rules.refusal(request, isMutation: false) == nil)
        #expect(rules.refusal(HTTPRequest(method: "GET", path: "/", query: [:], headers: [:], body: []), isMutation: false)?.status == 401)
    }
}
