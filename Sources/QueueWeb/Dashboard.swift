/// The dashboard: one HTML page (`GET /`) and its two same-origin assets (`GET /app.js`,
/// `GET /app.css`), all embedded here, so the page works offline and needs no files. The page
/// only reads and changes the queue through the JSON API; it puts job data in the DOM as text
/// (`textContent`), never as HTML. Its Content-Security-Policy allows no inline script or
/// style and no other origin; the JSON API keeps `default-src 'none'`.
enum Dashboard {
    /// The page's policy: scripts, styles and requests only from this server; no framing, no
    /// form posts (the page's forms are sent by its script).
    static let csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The dashboard's answer for `segments`, nil for any other path; 405 (thrown) for a method
    /// other than GET on one of its paths.
    static func route(_ method: String, _ segments: [String]) throws(HTTPError) -> HTTPResponse? {
        let asset: (String, String)
        switch segments {
        case []: asset = ("text/html; charset=utf-8", html)
        case ["app.js"]: asset = ("text/javascript; charset=utf-8", DashboardScript.source)
        case ["app.css"]: asset = ("text/css; charset=utf-8", DashboardStyle.css)
        default: return nil
        }
        guard method == "GET" else { throw HTTPError(405, "use GET for the dashboard") }
        var response = HTTPResponse(status: 200, contentType: asset.0, body: Array(asset.1.utf8))
        response.contentSecurityPolicy = csp
        return response
    }

    /// The page: structure only. Every element the script or the browser test uses has an id;
    /// controls that change the queue carry the class `mutation` (hidden on a read-only server).
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">
    <title>queuectl</title>
    <link rel="stylesheet" href="/app.css">
    <script src="/app.js" defer></script>
    </head>
    <body>
    <header>
      <h1>queuectl</h1>
      <span id="spool" data-testid="spool"></span>
      <span id="paused-badge" class="badge warn" data-testid="paused" hidden>paused</span>
      <span id="read-only-badge" class="badge" data-testid="read-only" hidden>read-only</span>
      <span id="live" class="badge" data-testid="live" data-mode="connecting">connecting</span>
      <span class="spacer"></span>
      <button id="pause" class="mutation" type="button" data-testid="pause">Pause workers</button>
      <button id="resume" class="mutation" type="button" data-testid="resume" hidden>Resume workers</button>
    </header>
    <p id="message" role="status" data-testid="message"></p>
    <nav id="counts" aria-label="Jobs per state" data-testid="counts"></nav>
    <main>
      <section id="list-pane" aria-labelledby="list-title">
        <div class="toolbar">
          <h2 id="list-title" data-testid="list-title">pending</h2>
          <form id="search-form" role="search">
            <input id="q" name="q" type="search" placeholder="id or command contains…" aria-label="Search" data-testid="search" autocomplete="off">
            <button id="search-button" type="submit">Search</button>
          </form>
          <span id="bulk" class="mutation" hidden>
            <button id="dlq-retry" type="button" data-testid="dlq-retry">Retry all dead</button>
            <button id="dlq-delete" type="button" class="danger" data-testid="dlq-delete">Delete all dead</button>
          </span>
        </div>
        <table id="jobs" data-testid="jobs">
          <thead><tr><th>id</th><th>command</th><th>attempts</th><th>priority</th><th>updated</th><th class="mutation">actions</th></tr></thead>
          <tbody id="job-rows"></tbody>
        </table>
        <p id="empty" class="muted" data-testid="empty" hidden></p>
        <div class="pager">
          <button id="first" type="button" data-testid="first">First page</button>
          <button id="prev" type="button" data-testid="prev">Previous</button>
          <span id="page-no" data-testid="page-no">page 1</span>
          <button id="next" type="button" data-testid="next">Next</button>
        </div>
      </section>
      <section id="detail" aria-labelledby="detail-title" data-testid="detail">
        <h2 id="detail-title">Job <span id="detail-id" data-testid="detail-id"></span></h2>
        <p id="detail-empty" class="muted">Select a job to see its fields and log.</p>
        <div id="detail-actions" class="actions mutation"></div>
        <dl id="detail-fields" data-testid="detail-fields"></dl>
        <h3 id="attempts-title" hidden>Attempts</h3>
        <table id="attempts" data-testid="attempts" hidden>
          <thead><tr><th>#</th><th>started (UTC)</th><th>duration</th><th>outcome</th><th>result</th><th>host</th></tr></thead>
          <tbody id="attempt-rows"></tbody>
        </table>
        <h3>Log</h3>
        <pre id="log" data-testid="log"></pre>
        <button id="log-more" type="button" data-testid="log-more" hidden>More</button>
      </section>
    </main>
    <footer>
      <section id="enqueue" class="mutation" aria-labelledby="enqueue-title">
        <h2 id="enqueue-title">Enqueue</h2>
        <form id="enqueue-form" data-testid="enqueue-form">
          <label class="wide">command <input id="f-command" name="command" required autocomplete="off" data-testid="f-command"></label>
          <label>id (optional) <input id="f-id" name="id" autocomplete="off" data-testid="f-id"></label>
          <label>priority <input id="f-priority" name="priority" inputmode="numeric" placeholder="0" data-testid="f-priority"></label>
          <label>delay (time units) <input id="f-delay" name="delay" inputmode="decimal" data-testid="f-delay"></label>
          <label>run at (ISO-8601) <input id="f-run-at" name="run_at" placeholder="2026-01-01T00:00:00Z" data-testid="f-run-at"></label>
          <label>max retries <input id="f-max-retries" name="max_retries" inputmode="numeric" placeholder="config" data-testid="f-max-retries"></label>
          <label>timeout (time units) <input id="f-timeout" name="timeout" inputmode="decimal" placeholder="config" data-testid="f-timeout"></label>
          <label>after (ids, comma-separated) <input id="f-after" name="after" data-testid="f-after"></label>
          <div class="wide">
            <button id="f-submit" type="submit" data-testid="f-submit">Enqueue</button>
            <span id="f-result" data-testid="f-result"></span>
            <span id="f-error" class="error" role="alert" data-testid="f-error"></span>
          </div>
        </form>
      </section>
      <section id="workers-pane" aria-labelledby="workers-title">
        <h2 id="workers-title">Workers</h2>
        <table id="workers" data-testid="workers">
          <thead><tr><th>worker</th><th>state</th><th>slots</th><th>running</th><th>heartbeat</th><th class="mutation"></th></tr></thead>
          <tbody id="worker-rows"></tbody>
        </table>
        <p id="no-workers" class="muted" hidden>No worker is running.</p>
      </section>
    </footer>
    </body>
    </html>
    """#
}
