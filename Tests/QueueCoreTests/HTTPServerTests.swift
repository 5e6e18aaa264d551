import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
import QueueSystem
@testable import QueueWeb

@Suite("HTTP server in process")
struct HTTPServerTests {
    @Test func whenFullTheServerWaitsWithoutSpinningAndAnswersLater() throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 1, requestTimeout: 1.5, maxConnections: 2) { _ in
            .json(.object(["ok": .bool(true)]))
        }
        DetachedThread.start { server.run() }
        defer { server.stop() }
        var stalled: [TCPConnection] = []
        defer { for c in stalled { c.close() } }
        for _ in 0..<2 {
            let c = try TCPConnection.connect(host: "127.0.0.1", port: server.port)
            try c.writeAll(Array("G".utf8))
            stalled.append(c)
        }
        Thread.sleep(forTimeInterval: 0.2)
        let third = try TCPConnection.connect(host: "127.0.0.1", port: server.port)
        defer { third.close() }
        try third.writeAll(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        let rounds0 = server.pollRounds.withLock { $0 }, wall0 = Date()
        var got: [UInt8] = []
        while Date().timeIntervalSince(wall0) < 15 {
            guard let chunk = try third.read(max: 4096, timeoutMilliseconds: 200) else { continue }
            if chunk.isEmpty { break }
            got += chunk
        }
        let text = String(decoding: got, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK"), "\(text)")
        // It was answered only once a stalled client timed out, and the loop did not spin while
        // full (it polls at most every 200 ms or at a deadline).
        #expect(Date().timeIntervalSince(wall0) > 0.8)
        let rounds = server.pollRounds.withLock { $0 } - rounds0
        #expect(rounds < 100, "\(rounds) poll rounds while waiting")
    }
}
