import QueueCore
import QueueSystem

/// `queuectl web` as a value a client starts: the HTTP server with the JSON API on a spool.
/// Clients see only `QueueError` (they import no system module).
public final class WebServer: @unchecked Sendable {
    let server: HTTPServer
    let events: EventHub
    let feed: EventFeed
    public let host: String
    public var port: Int { server.port }

    /// Whether `host` is an IPv4 loopback address (127.0.0.0/8); any other needs a token.
    public static func isLoopback(_ host: String) -> Bool { Socket.isLoopback(host) }

    /// Whether `host` is an IPv4 address in dotted notation (the only kind `--host` takes).
    public static func isIPv4Address(_ host: String) -> Bool { Socket.isIPv4Address(host) }

    /// Binds `host:port` (port 0: any free port). A token is required for a non-loopback host.
    /// - Throws: `QueueError.invalidConfig` for a non-loopback host without a token;
    ///   `QueueError.systemFailure` when the address cannot be bound.
    public init(spool: Spool, host: String, port: Int, readOnly: Bool, token: String?, threads: Int = 8,
                requestTimeout: Double = 10, events options: WebEventOptions = WebEventOptions()) throws(QueueError) {
        if !Socket.isLoopback(host) && (token ?? "").isEmpty {
            throw .invalidConfig("--host \(host) is not loopback: it requires --token")
        }
        self.host = host
        let box = LockedValue<WebAPI?>(nil)
        do {
            server = try HTTPServer(host: host, port: port, threads: threads, requestTimeout: requestTimeout) { request in
                box.withLock { $0 }?.handle(request) ?? .error(500, "not ready")
            }
        } catch {
            throw .systemFailure(action: "cannot listen on \(host):\(port)", error)
        }
        var hosts = ["\(host):\(server.port)"]
        if Socket.isLoopback(host) { hosts.append("localhost:\(server.port)") }
        var api = WebAPI(spool: spool, security: WebSecurity(token: token, readOnly: readOnly, ownOrigins: hosts.map { "http://" + $0 },
                                                             allowedHosts: Socket.isLoopback(host) ? hosts : nil))
        events = EventHub(capacity: options.capacity, keepalive: options.keepalive)
        api.events = events
        let statusAPI = api
        feed = EventFeed(hub: events, changes: SpoolChanges(spool: spool, useInotify: options.inotify, pollPeriod: options.pollPeriod,
                                                           slowPollPeriod: options.slowPollPeriod)) {
            (try? statusAPI.statusJSON()).map { JSONCoding.encode($0, pretty: false) }
        }
        box.withLock { $0 = api }
    }

    /// Serves until `stop()`, with the event streams' two threads (`EventHub`, `EventFeed`).
    public func run() {
        let (events, feed) = (self.events, self.feed)
        DetachedThread.start { events.run() }
        DetachedThread.start { feed.run() }
        server.run()
        feed.stop()
        events.stop()
        events.waitUntilFinished(seconds: 2)
    }

    /// Stops accepting and closes every event stream; `run` returns once the connections in
    /// progress are answered.
    public func stop() {
        server.stop()
        feed.stop()
        events.stop()
    }
}
