import QueueCore

/// The JSON API's routes: each parses its input, calls one core operation and renders JSON.
/// Queue rules live in the core; this file only maps requests and errors.
public struct WebAPI: Sendable {
    public let spool: Spool
    public let security: WebSecurity
    /// The subscribers of `GET /api/events` (nil: that route answers 404).
    public var events: EventHub?
    /// The largest page `GET /api/jobs` returns.
    public static let maxLimit = 500
    /// The most bytes of a log one `GET /api/jobs/ID/log` returns.
    public static let logChunk = 64 * 1024

    public init(spool: Spool, security: WebSecurity) { self.spool = spool; self.security = security }

    /// Answers one request; never throws (failures become JSON errors).
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let method = request.method == "HEAD" ? "GET" : request.method
        guard ["GET", "POST", "DELETE"].contains(method) else { return .error(405, "method \(request.method) is not allowed") }
        if let refusal = security.refusal(request, isMutation: method != "GET") { return .error(refusal.status, refusal.message) }
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        do {
            guard let response = try route(method, segments, request) else {
                return .error(404, "no such resource: \(request.path)")
            }
            return response
        } catch let e as HTTPError {
            return .error(e.status, e.message)
        } catch let e as QueueError {
            return .error(WebAPI.status(for: e), e.description)
        } catch {
            return .error(500, "\(error)")
        }
    }

    /// The status for a core error: the input's fault 400, missing 404, conflicts 409.
    static func status(for error: QueueError) -> Int {
        switch error {
        case .invalidID, .invalidJob, .invalidConfig: return 400
        case .notFound: return 404
        case .conflict, .duplicateID: return 409
        default: return 500
        }
    }

    /// Nil for an unknown path; throws 405 for a known path with the wrong method.
    func route(_ method: String, _ s: [String], _ r: HTTPRequest) throws -> HTTPResponse? {
        func only(_ m: String) throws { if method != m { throw HTTPError(405, "use \(m) for \(r.path)") } }
        if let page = try Dashboard.route(method, s) { return page }
        switch s.count {
        case 1 where s[0] == "metrics":
            try only("GET")
            return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                                body: Array(Metrics.render(try report(), counters: try? spool.counters()).utf8))
        case 2 where s[0] == "api":
            switch s[1] {
            case "status": try only("GET"); return .json(try statusJSON())
            case "events": try only("GET"); return eventStream(r)
            case "jobs":
                if method == "POST" { return try enqueue(r.body) }
                try only("GET"); return try listJobs(r.query)
            case "pause": try only("POST"); try spool.pause(); return .json(.object(["paused": .bool(true)]))
            case "resume": try only("POST"); try spool.resume(); return .json(.object(["paused": .bool(false)]))
            case "workers":
                try only("GET")
                return .json(.array(spool.workerStatuses(config: try spool.config()).map(WebJSON.worker)))
            default: return nil
            }
        case 3 where s[0] == "api" && s[1] == "jobs":
            let id = try JobID(s[2])
            if method == "DELETE" {
                let from = try spool.delete(id)
                return .json(.object(["deleted": .string(id.rawValue), "state": .string(from.rawValue)]))
            }
            try only("GET")
            let file = try spool.load(id)
            return .json(file.job.jsonValue)
        case 3 where s[0] == "api" && s[1] == "dlq":
            try only("POST")
            switch s[2] {
            case "retry": return try bulk(r.body) { (id) throws(QueueError) in _ = try spool.retryDead(id) }
            case "delete": return try bulk(r.body) { (id) throws(QueueError) in try spool.deleteDead(id) }
            default: return nil
            }
        case 4 where s[0] == "api" && s[1] == "jobs":
            let id = try JobID(s[2])
            switch s[3] {
            case "log": try only("GET"); return try log(id, r.query)
            case "retry": try only("POST"); return .json(try spool.retry(id).jsonValue)
            case "hold": try only("POST"); return .json(try spool.hold(id).jsonValue)
            case "release": try only("POST"); return .json(try spool.release(id).jsonValue)
            default: return nil
            }
        case 4 where s[0] == "api" && s[1] == "workers" && s[3] == "stop":
            try only("POST")
            _ = try spool.stopWorkers(id: s[2], wait: false, timeout: nil) { _ in }
            return .json(.object(["stop_requested": .string(s[2])]))
        default:
            return nil
        }
    }

    func report() throws -> StatusReport { try spool.statusReport(config: try spool.config()) }
}
