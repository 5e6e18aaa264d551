#!/usr/bin/env python3
"""Drives the queuectl dashboard in headless Chromium (stdlib only).

Usage: dashboard.py URL [--screenshot PATH] [--timeout SECONDS] [--read-only]

Speaks the Chrome DevTools Protocol over --remote-debugging-pipe (fd 3: commands to the
browser, fd 4: answers and events; each message is JSON ended by a NUL byte), so no websocket
is needed. Expects the fixture DashboardBrowserTests sets up on the spool the server serves:
  - a worker running;
  - `dead-1` in dead/, whose command now succeeds when run again;
  - `xss-script` and `xss-img` pending and not yet due, their commands being markup.
Checks, through the page only (typing, clicking at element coordinates, reading the DOM):
  1. the markup commands are shown as text (exact textContent, no element made of them) and
     no JavaScript dialog ever opens;
  2. a job enqueued through the form reaches `completed` on the page without a reload;
  3. clicking the retry button of `dead-1` takes it out of dead;
  4. no script error and no Content-Security-Policy violation on the page.
With --read-only (a `queuectl web --read-only` server with `ro-1` pending): the page hides
every control that changes the queue, also on a job's row and detail.
Saves a screenshot to PATH (default: $QUEUECTL_ARTIFACTS/dashboard.png, else
.build/test-artifacts/dashboard.png). Exit 0 when every check passed, 1 otherwise.
"""
import argparse
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

XSS = {
    "xss-script": "<script>alert(1)</script>",
    "xss-img": "<img src=x onerror=alert(2)>",
}


class Failure(Exception):
    pass


class Browser:
    """Headless Chromium and one page, over the DevTools pipe."""

    def __init__(self, deadline):
        self.deadline = deadline
        self.profile = tempfile.mkdtemp(prefix="queuectl-chromium-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def wire():
            # Into the child's fds 3 and 4 (dup first: the pipe ends may already be 3 or 4).
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        args = [exe, "--headless=new", "--no-sandbox", "--remote-debugging-pipe",
                "--user-data-dir=" + self.profile, "--no-first-run", "--no-default-browser-check",
                "--disable-gpu", "--disable-extensions", "--disable-background-networking",
                "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1000", "about:blank"]
        # The browser's own messages go to a file (a pipe nobody reads could fill and block it).
        self.stderr = open(os.path.join(self.profile, "chromium.stderr"), "w+b")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr, preexec_fn=wire, close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None
        self.dialogs = []
        self.problems = []

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=3)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        self.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def left(self):
        return self.deadline - time.monotonic()

    def send(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self.to_browser, data)
            data = data[n:]
        return self.next_id

    def read_one(self, timeout):
        """One message from the browser, or None when none came within `timeout`."""
        end = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            wait = min(end - time.monotonic(), self.left())
            if wait <= 0:
                return None
            ready, _, _ = select.select([self.from_browser], [], [], wait)
            if not ready:
                return None
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                self.stderr.seek(0)
                raise Failure("the browser closed the pipe: " + self.stderr.read().decode(errors="replace")[-2000:])
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        msg = json.loads(raw)
        if "method" in msg:
            self.on_event(msg)
        return msg

    def on_event(self, msg):
        method, params = msg["method"], msg.get("params", {})
        if method == "Page.javascriptDialogOpening":
            self.dialogs.append(params.get("message"))
            self.send("Page.handleJavaScriptDialog", {"accept": False})
        elif method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            self.problems.append("script error: %s %s" % (d.get("text"), (d.get("exception") or {}).get("description")))
        elif method == "Log.entryAdded":
            e = params.get("entry", {})
            if e.get("source") == "security" or "Content Security Policy" in e.get("text", ""):
                self.problems.append("CSP: " + e.get("text", ""))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.problems.append("console.error: %s" % [a.get("value", a.get("description")) for a in params.get("args", [])])
        self.events.append(msg)

    def call(self, method, params=None, session=True, timeout=10):
        mid = self.send(method, params, session)
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.left() > 0:
            msg = self.read_one(end - time.monotonic())
            if msg is not None and msg.get("id") == mid:
                if "error" in msg:
                    raise Failure("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
        raise Failure("no answer to %s" % method)

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.read_one(end - time.monotonic())

    def open(self, url):
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for m in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.call(m)
        self.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        self.call("Page.navigate", {"url": url})

    def js(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise Failure("evaluating %s: %s" % (expression, r["exceptionDetails"].get("text")))
        return r.get("result", {}).get("value")

    def wait_for(self, what, expression, timeout=20):
        end = time.monotonic() + min(timeout, max(0, self.left()))
        value = None
        while time.monotonic() < end:
            value = self.js(expression)
            if value:
                return value
            self.pump(0.1)
        raise Failure("timed out waiting for %s (last value %r)" % (what, value))

    def center(self, selector):
        """Scrolls the element into view; its centre in CSS pixels, checked to be on top there."""
        q = json.dumps(selector)
        pos = self.js("""(() => {
            const e = document.querySelector(%s);
            if (!e) return null;
            e.scrollIntoView({block: 'center', inline: 'center'});
            const r = e.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            return {x, y, visible: r.width > 0 && r.height > 0, onTop: !!hit && (hit === e || e.contains(hit))};
        })()""" % q)
        if not pos:
            raise Failure("no element %s" % selector)
        if not pos["visible"] or not pos["onTop"]:
            raise Failure("element %s is not visible or is covered: %r" % (selector, pos))
        return pos["x"], pos["y"]

    def click(self, selector):
        x, y = self.center(selector)
        self.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def type_into(self, selector, text):
        self.click(selector)
        if not self.js("document.activeElement === document.querySelector(%s)" % json.dumps(selector)):
            raise Failure("clicking %s did not focus it" % selector)
        self.call("Input.insertText", {"text": text})

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, timeout=20)["data"]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))


def text_of(selector):
    return "(document.querySelector(%s) || {}).textContent" % json.dumps(selector)


def row(job_id):
    return '#job-rows tr[data-id="%s"]' % job_id


def events_served(url):
    """Whether the server has GET /api/events (then the page must be live through it)."""
    try:
        with urllib.request.urlopen(urllib.parse.urljoin(url, "/api/events"), timeout=5) as r:
            return r.status == 200 and r.headers.get("Content-Type", "").startswith("text/event-stream")
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return False
        raise Failure("GET /api/events: %s" % e)


def check(b, url, shot):
    stream = events_served(url)
    b.open(url)
    b.wait_for("the page and its counts", "document.readyState === 'complete' && /^[0-9]+$/.test(%s)" % text_of("#count-pending .n"))
    # Marks this document: if the page reloaded, the mark would be gone.
    b.js("window.__sameDocument = 'yes'")
    if stream:
        b.wait_for("the page to use the event stream", "document.getElementById('live').dataset.mode === 'live'")
    print("page loaded; GET /api/events served: %s; live mode: %s" % (stream, b.js(text_of("#live"))))

    # 1. Markup in job data is text.
    for job_id in XSS:
        b.wait_for("row " + job_id, "!!document.querySelector(%s)" % json.dumps(row(job_id)))
    for job_id, command in XSS.items():
        shown = b.js(text_of(row(job_id) + " td.cmd"))
        if shown != command:
            raise Failure("command of %s shown as %r, expected the text %r" % (job_id, shown, command))
    b.click(row("xss-img") + " td.id")
    b.wait_for("detail of xss-img", "%s === %s" % (text_of('#detail-fields dd[data-field="command"]'), json.dumps(XSS["xss-img"])))
    made = b.js("document.querySelectorAll('#job-rows script, #job-rows img, #detail script, #detail img').length")
    if made != 0:
        raise Failure("%d elements were made from job data" % made)
    print("markup commands are shown as text")

    # 2. Enqueue through the form; the job reaches completed on the page, without a reload.
    before = int(b.js(text_of("#count-completed .n")))
    # The job sleeps first, so the page shows it unfinished before it can show it completed.
    b.type_into("#f-command", "sleep 1; echo hello-from-the-form")
    b.type_into("#f-id", "form-1")
    b.click("#f-submit")
    b.wait_for("the form's answer", "(%s || '').includes('enqueued form-1')" % text_of("#f-result"))
    b.wait_for("form-1 unfinished in the detail pane",
               "['pending', 'processing'].includes(%s)" % text_of('#detail-fields dd[data-field="state"]'))
    b.wait_for("form-1 completed in the detail pane", "%s === 'completed'" % text_of('#detail-fields dd[data-field="state"]'), timeout=25)
    b.wait_for("form-1's log", "(%s || '').includes('hello-from-the-form')" % text_of("#log"))
    b.wait_for("the completed count to grow", "Number(%s) > %d" % (text_of("#count-completed .n"), before))
    print("form-1 enqueued through the form and shown completed live")

    # 3. Retry a dead job with a click.
    b.click("#count-dead")
    b.wait_for("the dead list", "%s === 'dead'" % text_of("#list-title"))
    b.wait_for("row dead-1", "!!document.querySelector(%s)" % json.dumps(row("dead-1")))
    b.click(row("dead-1") + ' button[data-action="retry"]')
    b.wait_for("dead-1 to leave the dead list", "!document.querySelector(%s)" % json.dumps(row("dead-1")))
    b.wait_for("the dead count to be 0", "%s === '0'" % text_of("#count-dead .n"))
    print("dead-1 retried with a click and left dead")

    # The screenshot: the completed list with the form's job selected.
    b.click("#count-completed")
    b.wait_for("form-1 in the completed list", "!!document.querySelector(%s)" % json.dumps(row("form-1")))
    b.click(row("form-1") + " td.id")
    b.wait_for("form-1's detail", "%s === 'form-1'" % text_of("#detail-id"))
    b.wait_for("form-1's log", "(%s || '').includes('hello-from-the-form')" % text_of("#log"))
    b.pump(0.3)

    if b.js("window.__sameDocument") != "yes":
        raise Failure("the page was reloaded")
    if stream and b.js("document.getElementById('live').dataset.mode") != "live":
        raise Failure("the page fell back to polling although the server streams events")
    b.screenshot(shot)
    print("screenshot:", shot)

    # Dark mode: dark background, light text.
    b.call("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    b.pump(0.2)
    colours = b.js("""(() => {
        const sum = (c) => (c.match(/[0-9.]+/g) || []).slice(0, 3).reduce((a, x) => a + Number(x), 0);
        const s = getComputedStyle(document.body);
        return [sum(s.backgroundColor), sum(s.color)];
    })()""")
    if not (colours[0] < 200 and colours[1] > 500):
        raise Failure("dark mode is not dark (background, text brightness sums): %r" % colours)
    dark = os.path.splitext(shot)[0] + "-dark.png"
    b.screenshot(dark)
    print("dark mode screenshot:", dark)
    if b.dialogs:
        raise Failure("a JavaScript dialog opened: %r" % b.dialogs)
    if b.problems:
        raise Failure("problems on the page: %r" % b.problems)


def check_read_only(b, url, shot):
    """On a --read-only server with job `ro-1` pending: no control that changes anything shows."""
    b.open(url)
    b.wait_for("the page and its counts", "document.readyState === 'complete' && /^[0-9]+$/.test(%s)" % text_of("#count-pending .n"))
    b.wait_for("the read-only badge", "!document.getElementById('read-only-badge').hidden")
    b.wait_for("row ro-1", "!!document.querySelector(%s)" % json.dumps(row("ro-1")))
    b.click(row("ro-1") + " td.id")
    b.wait_for("ro-1's detail", "%s === 'ro-1'" % text_of("#detail-id"))
    b.pump(0.3)
    shown = b.js("""[...document.querySelectorAll('.mutation, button[data-action], form#enqueue-form, #pause, #resume')]
        .filter((e) => e.offsetParent !== null || e.getClientRects().length > 0)
        .map((e) => e.id || e.dataset.action || e.tagName)""")
    if shown:
        raise Failure("controls that change the queue are shown on a read-only server: %r" % shown)
    b.screenshot(shot)
    print("read-only: no mutation control shown; screenshot:", shot)
    if b.dialogs or b.problems:
        raise Failure("dialogs %r, problems %r" % (b.dialogs, b.problems))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("url")
    p.add_argument("--screenshot")
    p.add_argument("--timeout", type=float, default=45)
    p.add_argument("--read-only", action="store_true", help="check a --read-only server instead (job ro-1 pending)")
    a = p.parse_args()
    shot = a.screenshot
    if not shot:
        base = os.environ.get("QUEUECTL_ARTIFACTS") or os.path.join(".build", "test-artifacts")
        shot = os.path.join(base, "dashboard.png")
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        print("SKIP: chromium is not on PATH", file=sys.stderr)
        return 77
    b = Browser(time.monotonic() + a.timeout)
    try:
        (check_read_only if a.read_only else check)(b, a.url, shot)
    except Failure as e:
        print("FAIL:", e, file=sys.stderr)
        try:
            b.screenshot(shot)
            print("screenshot of the failure:", shot, file=sys.stderr)
        except Exception:
            pass
        return 1
    finally:
        b.close()
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
