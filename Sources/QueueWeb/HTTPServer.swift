import QueueSystem

/// The HTTP/1.1 server. One loop (on `run`'s thread) accepts connections and reads every
/// request as its bytes arrive (`poll` over the listener and all open connections, each with
/// its own buffer and a deadline of `requestTimeout`); a complete request, a refusal by the
/// parser (400/413) or a timeout (408) goes to a fixed pool of threads, which run the handler,
/// write the answer (`Connection: close`) and close. So a slow client costs a buffer, never a
/// thread: the others keep being served. At most `maxConnections` are read at once (more wait
/// in the kernel's backlog). A response with a `stream` (`GET /api/events`) is not written by
/// the pool: its connection is handed to the stream's owner (`EventHub`), freeing the thread.
public final class HTTPServer: @unchecked Sendable {
    public let listener: TCPListener
    let handler: @Sendable (HTTPRequest) -> HTTPResponse
    let limits: HTTPLimits
    let requestTimeout: Double
    let threads: Int
    let maxConnections: Int
    private let stopping = LockedValue(false)
    private let running = LockedValue(0)
    private let work = BlockingQueue<Work>()
    /// How many times the read loop has polled (for tests: a waiting server must not spin).
    let pollRounds = LockedValue(0)

    enum Work {
        case request(TCPConnection, HTTPRequest)
        case answer(TCPConnection, HTTPResponse)
    }

    final class Reading {
        let connection: TCPConnection
        var buffer: [UInt8] = []
        let deadline: Double
        init(_ c: TCPConnection, deadline: Double) { connection = c; self.deadline = deadline }
    }

    /// Binds `host:port` (port 0: any free port; see `port`).
    /// - Throws: `SystemError` when the address cannot be bound.
    public init(host: String, port: Int, threads: Int = 8, requestTimeout: Double = 10, limits: HTTPLimits = HTTPLimits(),
                maxConnections: Int = 256, handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) throws(SystemError) {
        listener = try TCPListener(host: host, port: port)
        listener.setNonBlocking()
        self.handler = handler
        self.limits = limits
        self.requestTimeout = requestTimeout
        self.threads = max(1, threads)
        self.maxConnections = max(1, maxConnections)
    }

    public var port: Int { listener.port }

    /// Serves until `stop()`; returns once the requests already read are answered.
    public func run() {
        running.withLock { $0 = threads }
        for _ in 0..<threads { DetachedThread.start { self.respondLoop() } }
        readLoop()
        let deadline = Self.now() + requestTimeout + 1
        while running.withLock({ $0 }) > 0 && Self.now() < deadline { ProcessControl.sleep(seconds: 0.02) }
    }

    /// Asks the server to stop (safe from any thread, e.g. a signal handler's thread).
    public func stop() { stopping.withLock { $0 = true } }

    private func readLoop() {
        var open: [Reading] = []
        while !stopping.withLock({ $0 }) {
            pollRounds.withLock { $0 += 1 }
            let now = Self.now()
            let nearest = open.map(\.deadline).min().map { max(0, Int(($0 - now) * 1000) + 1) } ?? 200
            // When full, the listener is left out (a negative fd is ignored by poll), so a
            // waiting backlog does not spin this loop.
            let fds = [open.count < maxConnections ? listener.fd : -1] + open.map(\.connection.fd)
            guard let ready = try? Socket.readable(fds, timeoutMilliseconds: min(200, nearest)) else { continue }
            var keep: [Reading] = []
            for (i, r) in open.enumerated() {
                if ready[i + 1] {
                    switch read(r) {
                    case .waiting: break
                    case .closed: continue
                    case .done(let next): work.put(next); continue
                    }
                }
                if Self.now() >= r.deadline {
                    work.put(.answer(r.connection, .error(408, "the request was not received in time")))
                    continue
                }
                keep.append(r)
            }
            open = keep
            if ready[0] {
                while open.count < maxConnections, let c = try? listener.accept(timeoutMilliseconds: 0) {
                    open.append(Reading(c, deadline: Self.now() + requestTimeout))
                }
            }
        }
        for r in open { r.connection.close() }
        listener.close()
    }

    enum ReadOutcome { case waiting, closed, done(Work) }

    /// Reads what `r`'s client sent: the work to hand on once the request is complete or
    /// refused; `closed` when the client left without sending anything.
    private func read(_ r: Reading) -> ReadOutcome {
        let chunk: [UInt8]
        do {
            guard let got = try r.connection.read(max: 64 * 1024, timeoutMilliseconds: 0) else { return .waiting }
            chunk = got
        } catch {
            r.connection.close()
            return .closed
        }
        if chunk.isEmpty {
            if r.buffer.isEmpty { r.connection.close(); return .closed }
            return .done(.answer(r.connection, .error(400, "incomplete request")))
        }
        r.buffer += chunk
        do {
            if let request = try HTTPParser.parse(r.buffer, limits: limits) { return .done(.request(r.connection, request)) }
        } catch {
            return .done(.answer(r.connection, .error(error.status, error.message)))
        }
        return .waiting
    }

    private func respondLoop() {
        defer { running.withLock { $0 -= 1 } }
        while true {
            guard let item = work.take(timeoutMilliseconds: 200) else {
                if stopping.withLock({ $0 }) { return }
                continue
            }
            switch item {
            case .request(let c, let request): respond(c, handler(request), head: request.method == "HEAD")
            case .answer(let c, let response): respond(c, response, head: false)
            }
        }
    }

    private func respond(_ connection: TCPConnection, _ response: HTTPResponse, head: Bool) {
        // A stream owns the connection from here (e.g. `EventHub`): this thread is free again.
        if let stream = response.stream, !head { stream.adopt(connection); return }
        defer { connection.close() }
        connection.setSendTimeout(milliseconds: Int(requestTimeout * 1000))
        try? connection.writeAll(response.serialized(head: head))
        connection.shutdownWrite()
        // Drain briefly so the peer sees our answer rather than a reset for unread bytes.
        _ = try? connection.read(max: 64 * 1024, timeoutMilliseconds: 50)
    }
}

extension HTTPServer {
    static func now() -> Double { Double(MonotonicClock.nanos()) / 1e9 }
}
