import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#endif
import QueueSystem

/// `queuectl web` over real loopback sockets: every endpoint, status code and security rule.
@Suite("web API through the binary")
struct WebTests {
    /// `"delay"` in `POST /api/jobs` is counted by the server in time units from its own clock.
    @Test func enqueueTakesADelayInTimeUnits() throws {
        let s = TempSpool()
        s.fast(["time_unit": "60"])
        let w = WebFixture(s)
        let before = Date()
        let r = try #require(w.request("POST", "/api/jobs", body: #"{"id":"later","command":"true","delay":2}"#))
        #expect(r.status == 201, "\(r)")
        let runAt = ISO8601DateFormatter.withFraction.date(from: r.object["run_at"] as? String ?? "")
        let wait = runAt.map { $0.timeIntervalSince(before) } ?? -1
        #expect(wait > 110 && wait < 130, "run_at \(String(describing: r.object["run_at"])) is not 2 × 60 s from now")
        #expect(w.request("POST", "/api/jobs", body: #"{"command":"true","delay":"soon"}"#)?.status == 400)
        #expect(w.request("POST", "/api/jobs", body: #"{"command":"true","delay":-1}"#)?.status == 400)
        #expect(w.request("POST", "/api/jobs", body: #"{"command":"true","delay":1,"run_at":"2030-01-01T00:00:00Z"}"#)?.status == 400)
        let counts = try #require(w.request("GET", "/api/status")).object["counts"] as? [String: Any]
        #expect(counts?["pending"] as? Int == 1, "a refused enqueue created a job: \(String(describing: counts))")
    }

    @Test func jobsEndpointsEnqueueListPageSearchShowLog() throws {
        let s = TempSpool()
        s.fast()
        let w = WebFixture(s)
        #expect(w.port > 0, "\(w.process.output) \(w.process.errors)")
        let status = try #require(w.request("GET", "/api/status"))
        #expect(status.status == 200)
        #expect(status.headers["content-type"] == "application/json")
        #expect((status.object["counts"] as? [String: Any])?["pending"] as? Int == 0)
        for i in 1...5 {
            let r = try #require(w.request("POST", "/api/jobs", body: #"{"id":"job\#(i)","command":"echo out\#(i)"}"#))
            #expect(r.status == 201, "\(r)")
            #expect(r.object["state"] as? String == "pending")
        }
        #expect(w.request("POST", "/api/jobs", body: #"{"id":"job1","command":"true"}"#)?.status == 409)
        #expect(w.request("POST", "/api/jobs", body: #"{"command":"#)?.status == 400)
        #expect(w.request("POST", "/api/jobs", body: #"{"id":"../x","command":"true"}"#)?.status == 400)
        // Pages of 2, following the cursor: every job once, never more than the limit.
        var seen: [String] = []
        var cursor = ""
        for _ in 0..<5 {
            let page = try #require(w.request("GET", "/api/jobs?state=pending&limit=2&cursor=\(cursor)"))
            #expect(page.status == 200)
            let jobs = page.object["jobs"] as? [[String: Any]] ?? []
            #expect(jobs.count <= 2)
            seen += jobs.compactMap { $0["id"] as? String }
            guard let next = page.object["next"] as? String else { break }
            cursor = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next
        }
        #expect(seen.sorted() == ["job1", "job2", "job3", "job4", "job5"])
        let found = try #require(w.request("GET", "/api/jobs?state=pending&q=out3"))
        #expect((found.object["jobs"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["job3"])
        #expect(w.request("GET", "/api/jobs?state=nope")?.status == 400)
        #expect(w.request("GET", "/api/jobs?limit=501")?.status == 400)
        #expect(w.request("GET", "/api/jobs/job2")?.object["command"] as? String == "echo out2")
        #expect(w.request("GET", "/api/jobs/missing")?.status == 404)
        // Run them; the log reads from an offset.
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        let log = try #require(w.request("GET", "/api/jobs/job4/log"))
        #expect(log.object["text"] as? String == "out4\n", "\(log)")
        let next = log.object["next"] as? Int ?? -1
        #expect(next == 5)
        #expect(w.request("GET", "/api/jobs/job4/log?offset=\(next)")?.object["text"] as? String == "")
        #expect(w.request("GET", "/api/jobs/job4/log?offset=-1")?.status == 400)
        #expect(w.request("GET", "/api/jobs/missing/log")?.status == 404)
        #expect(w.request("GET", "/api/jobs?state=completed&limit=500")?.object["jobs"].map { ($0 as? [Any])?.count } == 5)
        #expect(w.request("DELETE", "/api/jobs/job5")?.status == 200)
        #expect(w.request("DELETE", "/api/jobs/job5")?.status == 404)
        #expect(w.process.stop() == 0)
    }

    @Test func adminActionsDLQPauseWorkers() throws {
        let s = TempSpool()
        s.fast()
        let w = WebFixture(s)
        for i in 1...3 { #expect(w.request("POST", "/api/jobs", body: #"{"id":"d\#(i)","command":"exit 3","max_retries":0}"#)?.status == 201) }
        #expect(w.request("POST", "/api/jobs", body: #"{"id":"h1","command":"true","run_at":"2099-01-01T00:00:00Z"}"#)?.status == 201)
        #expect(w.request("POST", "/api/jobs/h1/hold")?.object["state"] as? String == "held")
        #expect(w.request("POST", "/api/jobs/h1/hold")?.status == 409)
        #expect(w.request("POST", "/api/jobs/h1/release")?.object["state"] as? String == "pending")
        #expect(s.run("worker", "start", "--exit-when-idle").code == 0)
        #expect(s.ids(in: .dead).sorted() == ["d1", "d2", "d3"])
        #expect(w.request("POST", "/api/jobs/d1/retry")?.object["state"] as? String == "pending")
        let bulk = try #require(w.request("POST", "/api/dlq/retry", body: #"{"ids":["d2","h1"]}"#))
        #expect(bulk.object["done"] as? [String] == ["d2"], "\(bulk)")
        #expect((bulk.object["failed"] as? [Any])?.count == 1)
        #expect(w.request("POST", "/api/dlq/retry", body: #"{"ids":"d2"}"#)?.status == 400)
        #expect(w.request("POST", "/api/dlq/retry", body: "not json")?.status == 400)
        #expect(w.request("POST", "/api/dlq/delete", body: #"{"all":true}"#)?.object["done"] as? [String] == ["d3"])
        #expect(s.ids(in: .dead).isEmpty)
        #expect(w.request("POST", "/api/pause")?.status == 200)
        #expect(w.request("GET", "/api/status")?.object["paused"] as? Bool == true)
        #expect(w.request("POST", "/api/resume")?.status == 200)
        #expect(w.request("GET", "/api/status")?.object["paused"] as? Bool == false)
        #expect(w.request("GET", "/api/pause")?.status == 405)
        // A processing job cannot be deleted (409); a worker is stopped by request.
        #expect(w.request("POST", "/api/jobs", body: #"{"id":"long","command":"sleep 2"}"#)?.status == 201)
        let worker = s.startWorker()
        #expect(eventually(timeout: 30) { s.ids(in: .processing).contains("long") })
        #expect(w.request("DELETE", "/api/jobs/long")?.status == 409)
        let workers = try #require(w.request("GET", "/api/workers")?.json as? [[String: Any]])
        #expect(workers.count == 1)
        let id = try #require(workers.first?["id"] as? String)
        #expect(w.request("POST", "/api/workers/nope/stop")?.status == 404)
        #expect(w.request("POST", "/api/workers/\(id)/stop")?.status == 200)
        #expect(worker.wait(timeout: 30) == 0)
    }

    @Test func malformedRequestsGetTheirAnswerAndTheServerGoesOn() throws {
        let s = TempSpool()
        let w = WebFixture(s)
        #expect(w.raw(Array("\u{1}\u{2}garbage\r\n\r\n".utf8))?.status == 400)
        #expect(w.raw((0..<4000).map { _ in UInt8.random(in: 0...255) } + [13, 10, 13, 10])?.status == 400)
        #expect(w.raw(Array("GET /api/../etc/passwd HTTP/1.1\r\n\r\n".utf8))?.status == 400)
        #expect(w.raw(Array("GET /api/%2e%2e/x HTTP/1.1\r\n\r\n".utf8))?.status == 400)
        #expect(w.raw(Array("BREW /api/status HTTP/1.1\r\n\r\n".utf8))?.status == 405)
        #expect(w.raw(Array("PUT /api/status HTTP/1.1\r\n\r\n".utf8))?.status == 405)
        #expect(w.raw(Array("GET /nothing HTTP/1.1\r\n\r\n".utf8))?.status == 404)
        #expect(w.raw(Array("GET /api/status HTTP/1.1\r\nContent-Length: x\r\n\r\n".utf8))?.status == 400)
        // A body over 1 MiB is refused from its Content-Length, before it is sent.
        #expect(w.raw(Array("POST /api/jobs HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n".utf8))?.status == 413)
        let longLine = "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\n\r\n"
        #expect(w.raw(Array(longLine.utf8))?.status == 400)
        var many = "GET /api/status HTTP/1.1\r\n"
        for i in 0..<150 { many += "X-H\(i): v\r\n" }
        #expect(w.raw(Array((many + "\r\n").utf8))?.status == 413)
        let ok = try #require(w.request("GET", "/api/status"))
        #expect(ok.status == 200)
        for reply in [ok, try #require(w.request("GET", "/nothing"))] {
            #expect(reply.headers["x-content-type-options"] == "nosniff")
            #expect(reply.headers["content-security-policy"] == "default-src 'none'")
            #expect(reply.headers["cache-control"] == "no-store")
        }
        #expect(w.request("GET", "/nothing")?.object["error"] is String)
    }

    @Test func slowClientsDoNotBlockOthersAndGet408() throws {
        let s = TempSpool()
        let w = WebFixture(s)
        // More stalled clients than the server has threads: each sent one byte and waits.
        var slow: [TCPConnection] = []
        defer { for c in slow { c.close() } }
        for _ in 0..<20 {
            let c = try TCPConnection.connect(host: "127.0.0.1", port: w.port)
            try c.writeAll(Array("G".utf8))
            slow.append(c)
        }
        let start = Date()
        for _ in 0..<10 { #expect(w.request("GET", "/api/status")?.status == 200) }
        #expect(Date().timeIntervalSince(start) < 8, "others were served while the slow clients stalled")
        #expect(WebFixture.readReply(slow[0], timeout: 25)?.status == 408)
        #expect(w.request("GET", "/api/status")?.status == 200)
    }

    @Test func tokenOriginAndReadOnlyRules() throws {
        let s = TempSpool()
        let open = s.run(["web", "--host", "0.0.0.0", "--port", "0"])
        #expect(open.code == 2)
        #expect(open.err.contains("--token"))
        #expect(s.run(["web", "--host", "localhost.invalid", "--token", "t", "--port", "0"]).code == 2)
        #expect(s.run(["web", "--port", "65536"]).code == 2)
        let ro = WebFixture(s, ["--read-only"])
        #expect(ro.request("GET", "/api/status")?.status == 200)
        #expect(ro.request("POST", "/api/pause")?.status == 403)
        #expect(ro.request("POST", "/api/jobs", body: #"{"command":"true"}"#)?.status == 403)
        #expect(ro.request("DELETE", "/api/jobs/x")?.status == 403)
        #expect(s.ids(in: .pending).isEmpty)
        // DNS rebinding: a page whose name now points at 127.0.0.1 sends its own name as Host.
        #expect(ro.request("GET", "/api/status", headers: ["Host": "evil.example:\(ro.port)"])?.status == 403)
        let w = WebFixture(s, ["--token", "s3cret"])
        #expect(w.request("GET", "/api/status")?.status == 401)
        #expect(w.request("GET", "/metrics", headers: ["Authorization": "Bearer s3creT"])?.status == 401)
        #expect(w.request("GET", "/api/status", headers: ["Authorization": "Bearer s3cret"])?.status == 200)
        let auth = ["Authorization": "Bearer s3cret"]
        #expect(w.request("POST", "/api/pause", headers: auth.merging(["Origin": "http://evil.example"]) { a, _ in a })?.status == 403)
        #expect(w.request("POST", "/api/pause", headers: auth.merging(["Sec-Fetch-Site": "cross-site"]) { a, _ in a })?.status == 403)
        #expect(!s.spool.isPaused)
        #expect(w.request("POST", "/api/pause", headers: auth.merging(["Origin": "http://127.0.0.1:\(w.port)"]) { a, _ in a })?.status == 200)
        #expect(s.spool.isPaused)
    }

    @Test func metricsInPrometheusTextFormat() throws {
        let s = TempSpool()
        let w = WebFixture(s)
        #expect(w.request("POST", "/api/jobs", body: #"{"id":"secret-id-42","command":"true"}"#)?.status == 201)
        let m = try #require(w.request("GET", "/metrics"))
        #expect(m.status == 200)
        #expect(m.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(!m.body.contains("secret-id-42"))
        var help = Set<String>(), type = Set<String>(), sampled = Set<String>()
        for line in m.body.split(separator: "\n").map(String.init) {
            let parts = line.split(separator: " ").map(String.init)
            if line.hasPrefix("# HELP ") { help.insert(parts[2]) } else if line.hasPrefix("# TYPE ") {
                type.insert(parts[2]); #expect(["gauge", "counter"].contains(parts[3]))
            } else {
                #expect(parts.count == 2 && Double(parts[1]) != nil, "sample line: \(line)")
                sampled.insert(String(parts[0].prefix { $0 != "{" }))
            }
        }
        #expect(sampled.isSubset(of: help) && sampled == type)
        #expect(sampled.isSuperset(of: ["queuectl_jobs", "queuectl_oldest_pending_age_seconds", "queuectl_workers", "queuectl_paused"]))
        #expect(m.body.contains("queuectl_jobs{state=\"pending\"} 1\n"))
        #expect(w.request("POST", "/metrics")?.status == 405)
    }
}

extension ISO8601DateFormatter {
    /// ISO-8601 with fractional seconds, as job times are written.
    static var withFraction: ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }
}
