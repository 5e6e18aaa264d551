import QueueSystem

/// The HTTP/1.1 server: a listening socket and a fixed pool of threads, each of which accepts
/// a connection (the listener is shared; `poll` then a non-blocking-safe `accept`), reads one
/// request within `requestTimeout` (else 408), answers with `Connection: close`, and closes.
/// A slow client holds one thread for at most `requestTimeout`; the others keep serving.
/// Never crashes on a bad request: the parser's refusals become 400/413 answers.
public final class HTTPServer: @unchecked Sendable {
    public let listener: TCPListener
    let handler: @Sendable (HTTPRequest) -> HTTPResponse
    let limits: HTTPLimits
    let requestTimeout: Double
    let threads: Int
    private let stopping = LockedValue(false)
    private let running = LockedValue(0)

    /// Binds `host:port` (port 0: any free port; see `port`).
    /// - Throws: `SystemError` when the address cannot be bound.
    public init(host: String, port: Int, threads: Int = 8, requestTimeout: Double = 10, limits: HTTPLimits = HTTPLimits(),
                handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws(SystemError) {
        listener = try TCPListener(host: host, port: port)
        listener.setNonBlocking()
        self.handler = handler
        self.limits = limits
        self.requestTimeout = requestTimeout
        self.threads = max(1, threads)
    }

    public var port: Int { listener.port }

    /// Serves until `stop()`; returns once every thread has finished its connection.
    public func run() {
        running.withLock { $0 = threads }
        for _ in 1..<threads { DetachedThread.start { self.serveLoop() } }
        serveLoop()
        let deadline = Self.now() + requestTimeout + 1
        while running.withLock({ $0 }) > 0 && Self.now() < deadline { ProcessControl.sleep(seconds: 0.02) }
        listener.close()
    }

    /// Asks the threads to stop after their current connection (safe from any thread).
    public func stop() { stopping.withLock { $0 = true } }

    private func serveLoop() {
        defer { running.withLock { $0 -= 1 } }
        while !stopping.withLock({ $0 }) {
            guard let connection = try? listener.accept(timeoutMilliseconds: 200) else { continue }
            serve(connection)
        }
    }

    func serve(_ connection: TCPConnection) {
        defer { connection.close() }
        connection.setSendTimeout(milliseconds: Int(requestTimeout * 1000))
        let deadline = Self.now() + requestTimeout
        var buffer: [UInt8] = []
        var response: HTTPResponse
        var request: HTTPRequest?
        read: while true {
            do {
                if let r = try HTTPParser.parse(buffer, limits: limits) { request = r; response = handler(r); break read }
            } catch {
                response = .error(error.status, error.message)
                break read
            }
            let left = deadline - Self.now()
            if left <= 0 { response = .error(408, "the request was not received in time"); break read }
            guard let chunk = try? connection.read(max: 64 * 1024, timeoutMilliseconds: Int(left * 1000) + 1) else { continue }
            if chunk.isEmpty {
                if buffer.isEmpty { return }
                response = .error(400, "incomplete request")
                break read
            }
            buffer += chunk
        }
        try? connection.writeAll(response.serialized(head: request?.method == "HEAD"))
        connection.shutdownWrite()
        // Drain briefly so the peer sees our answer rather than a reset for unread bytes.
        _ = try? connection.read(max: 64 * 1024, timeoutMilliseconds: 50)
    }
}

extension HTTPServer {
    static func now() -> Double { Double(MonotonicClock.nanos()) / 1e9 }
}
