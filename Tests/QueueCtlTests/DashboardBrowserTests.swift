import Foundation
import QueueCore
import Testing
#if canImport(Glibc)
import Glibc
#endif
import QueueSystem

/// The dashboard (`GET /`, `/app.js`, `/app.css`) over real sockets, Basic auth with a token,
/// and the page driven in headless Chromium by Tests/browser/dashboard.py (one browser at a
/// time: serialized).
@Suite("dashboard page", .serialized)
struct DashboardBrowserTests {
    static let pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    @Test func pageAndAssetsAreServedWithThePagePolicy() throws {
        let s = TempSpool()
        let w = WebFixture(s)
        for (path, type) in [("/", "text/html"), ("/app.js", "text/javascript"), ("/app.css", "text/css")] {
            let r = try #require(w.request("GET", path))
            #expect(r.status == 200, "\(path): \(r.status)")
            #expect(r.headers["content-type"]?.hasPrefix(type) == true, "\(path): \(r.headers)")
            #expect(r.headers["content-security-policy"] == Self.pageCSP, "\(path)")
            #expect(r.headers["x-content-type-options"] == "nosniff")
            #expect(r.headers["x-frame-options"] == "DENY")
            #expect(r.headers["referrer-policy"] == "no-referrer")
            #expect(!r.body.isEmpty)
        }
        // The JSON API keeps the strictest policy.
        #expect(w.request("GET", "/api/status")?.headers["content-security-policy"] == "default-src 'none'")
        for path in ["/", "/app.js", "/app.css"] {
            let r = try #require(w.request("POST", path, body: ""))
            #expect(r.status == 405, "POST \(path): \(r)")
            #expect(r.headers["content-security-policy"] == "default-src 'none'")
        }
        #expect(w.request("DELETE", "/")?.status == 405)
        #expect(w.request("GET", "/app.jsx")?.status == 404)
    }

    @Test func pageHasNoInlineScriptStyleOrHandlers() throws {
        let s = TempSpool()
        let w = WebFixture(s)
        let html = try #require(w.request("GET", "/")).body
        let lower = html.lowercased()
        // Every <script> loads a same-origin file and has no body.
        let scripts = lower.components(separatedBy: "<script").dropFirst()
        #expect(scripts.count == 1)
        for tag in scripts {
            let open = tag.prefix { $0 != ">" }
            #expect(open.contains("src=\"/"), "script without a same-origin src: <script\(open)>")
            #expect(tag.dropFirst(open.count + 1).hasPrefix("</script>"), "inline script body")
        }
        #expect(!lower.contains("<style"))
        #expect(lower.range(of: #"\sstyle\s*="#, options: .regularExpression) == nil, "inline style attribute")
        #expect(lower.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "inline event handler")
        #expect(lower.range(of: #"(src|href)\s*=\s*"(https?:)?//"#, options: .regularExpression) == nil, "external asset")
        // The script never turns data into markup and asks for at most one page of 100.
        let js = try #require(w.request("GET", "/app.js")).body
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
            #expect(!js.contains(sink), "app.js uses \(sink)")
        }
        let page = js.range(of: #"const PAGE = ([0-9]+);"#, options: .regularExpression).map { String(js[$0]) } ?? ""
        let limit = Int(page.filter(\.isNumber)) ?? 0
        #expect(limit >= 1 && limit <= 100, "page size \(page)")
    }

    @Test func tokenAcceptsBearerAndBasicAndAnswers401() throws {
        let s = TempSpool()
        let w = WebFixture(s, ["--token", "s3cret"])
        func basic(_ userPass: String) -> [String: String] {
            ["Authorization": "Basic " + Data(userPass.utf8).base64EncodedString()]
        }
        for path in ["/", "/app.js", "/api/status", "/metrics"] {
            let r = try #require(w.request("GET", path))
            #expect(r.status == 401, "\(path): \(r)")
            #expect(r.headers["www-authenticate"] == #"Basic realm="queuectl""#)
        }
        #expect(w.request("GET", "/", headers: basic("anyone:s3cret"))?.status == 200)
        #expect(w.request("GET", "/api/status", headers: basic(":s3cret"))?.status == 200)
        #expect(w.request("GET", "/api/status", headers: ["Authorization": "Bearer s3cret"])?.status == 200)
        for bad in [basic("anyone:s3creT"), basic("s3cret"), basic("anyone:s3cret2"), ["Authorization": "Basic !!!"],
                    ["Authorization": "Bearer s3cre"], ["Authorization": "s3cret"]] {
            #expect(w.request("GET", "/api/status", headers: bad)?.status == 401, "\(bad)")
        }
        let post = basic("u:s3cret").merging(["Origin": "http://127.0.0.1:\(w.port)"]) { a, _ in a }
        #expect(w.request("POST", "/api/pause", headers: post)?.status == 200)
        #expect(s.spool.isPaused)
    }

    /// Whether `name` is an executable on PATH (its path).
    static func onPath(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static var browserAvailable: Bool {
        let missing = ["chromium", "python3"].filter { onPath($0) == nil }
        if !missing.isEmpty {
            print("SKIP dashboard browser test: \(missing.joined(separator: " and ")) not on PATH (Debian: apt-get install chromium python3)")
        }
        return missing.isEmpty
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs Tests/browser/dashboard.py on `w` (at most 50 s); its exit status and output.
    static func runBrowser(_ s: TempSpool, _ w: WebFixture, screenshot name: String, _ extra: [String] = []) throws -> (ChildProcess.Termination?, String) {
        let artifacts = ProcessInfo.processInfo.environment["QUEUECTL_ARTIFACTS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? packageRoot.appendingPathComponent(".build/test-artifacts").path
        let script = packageRoot.appendingPathComponent("Tests/browser/dashboard.py").path
        let out = s.scratch("browser-\(name).out")
        let child = try ChildProcess.spawn(try #require(onPath("python3")),
                                           [script, "http://127.0.0.1:\(w.port)/", "--screenshot", artifacts + "/" + name, "--timeout", "40"] + extra,
                                           stdout: out, stderr: nil, newProcessGroup: true)
        let ended = child.wait(untilMonotonicNanos: MonotonicClock.nanos() + 50_000_000_000)
        if ended == nil { Glibc.kill(-child.pid, SIGKILL); _ = child.wait(untilMonotonicNanos: nil) }
        let log = s.read(out)
        print(log)
        #expect(FileManager.default.fileExists(atPath: artifacts + "/" + name), "no screenshot at \(artifacts)/\(name)")
        return (ended, log)
    }

    @Test(.enabled(if: browserAvailable, "chromium or python3 is not on PATH"), .timeLimit(.minutes(1)))
    func readOnlyServerShowsNoControls() throws {
        let s = TempSpool()
        s.enqueue(#"{"id":"ro-1","command":"true","run_at":"2099-01-01T00:00:00Z"}"#)
        let w = WebFixture(s, ["--read-only"])
        let (ended, log) = try Self.runBrowser(s, w, screenshot: "dashboard-read-only.png", ["--read-only"])
        #expect(ended == .exited(0), "dashboard.py --read-only: \(String(describing: ended))\n\(log)")
    }

    @Test(.enabled(if: browserAvailable, "chromium or python3 is not on PATH"), .timeLimit(.minutes(1)))
    func tokenServerAsksTheBrowserOnce() throws {
        let s = TempSpool()
        let w = WebFixture(s, ["--token", "s3cret"])
        let (ended, log) = try Self.runBrowser(s, w, screenshot: "dashboard-token.png", ["--token", "s3cret"])
        #expect(ended == .exited(0), "dashboard.py --token: \(String(describing: ended))\n\(log)")
        #expect(!s.spool.isPaused, "paused and resumed through the page")
    }

    @Test(.enabled(if: browserAvailable, "chromium or python3 is not on PATH"), .timeLimit(.minutes(1)))
    func dashboardInHeadlessChromium() throws {
        let started = Date()
        let s = TempSpool()
        s.fast()
        // dead-1 fails once (max_retries 0: dead), and succeeds once the gate is open.
        s.enqueue(#"{"id":"dead-1","command":"test -e '\#(s.scratch("gate"))'","max_retries":0}"#)
        s.enqueue(#"{"id":"xss-script","command":"<script>alert(1)</script>","run_at":"2099-01-01T00:00:00Z"}"#)
        s.enqueue(#"{"id":"xss-img","command":"<img src=x onerror=alert(2)>","run_at":"2099-01-01T00:00:00Z"}"#)
        let worker = s.startWorker()
        defer { worker.stop(timeout: 10) }
        #expect(eventually(timeout: 15) { s.ids(in: .dead) == ["dead-1"] })
        s.openGate("gate")
        let w = WebFixture(s)
        #expect(w.port > 0)
        let (ended, log) = try Self.runBrowser(s, w, screenshot: "dashboard.png")
        #expect(ended == .exited(0), "dashboard.py: \(String(describing: ended))\n\(log)")
        // The page's clicks reached the spool: dead-1 ran again and completed; form-1 exists.
        #expect(eventually(timeout: 10) { s.ids(in: .completed).contains("dead-1") })
        #expect(s.job("form-1")?["command"] as? String == "sleep 2; echo hello-from-the-form")
        #expect(Date().timeIntervalSince(started) < 60)
    }
}
