import QueueCore

/// `GET /api/events`: the server-sent event stream (README, "Web API"; frames in `EventFeed`).
extension WebAPI {
    /// A stream response (the connection goes to `events`), 503 when `EventHub.capacity`
    /// streams are open. HEAD gets the head alone.
    func eventStream(_ r: HTTPRequest) -> HTTPResponse {
        guard let hub = events else { return .error(404, "no such resource: \(r.path)") }
        var response = HTTPResponse(status: 200, contentType: "text/event-stream", body: [])
        if r.method == "HEAD" { return response }
        guard let stream = hub.reserve() else {
            return .error(503, "too many event streams (at most \(hub.capacity)); poll GET /api/status instead")
        }
        response.stream = stream
        return response
    }
}

/// How `queuectl web` feeds `/api/events` (defaults suit production; tests shorten them).
public struct WebEventOptions: Sendable {
    /// The most open streams (more get 503).
    public var capacity = 64
    /// Use inotify (false: polling only).
    public var inotify = true
    /// Rescan period without inotify (or with a watch missing), seconds.
    public var pollPeriod = 2.0
    /// Rescan period with every watch in place (other hosts' changes on a network filesystem).
    public var slowPollPeriod = 10.0
    /// Seconds between `: keepalive` comments.
    public var keepalive = 15.0
    public init() {}
}
