"""A headless Chromium and one page, driven over the DevTools protocol (stdlib only).

Chromium runs with --remote-debugging-pipe: it reads commands from its fd 3 and writes answers
and events to its fd 4, each message JSON ended by a NUL byte, so no websocket is needed. The
page is reached through a flat session (Target.attachToTarget with flatten). Used by
dashboard.py.
"""
import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time


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
        # (user, password) given when the server asks (HTTP 401), as a user would type them.
        self.credentials = None
        self.auth_challenges = 0

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
        elif method == "Fetch.requestPaused":
            self.send("Fetch.continueRequest", {"requestId": params["requestId"]})
        elif method == "Fetch.authRequired":
            self.auth_challenges += 1
            user, password = self.credentials or ("", "")
            answer = {"response": "ProvideCredentials", "username": user, "password": password} if self.credentials \
                else {"response": "CancelAuth"}
            self.send("Fetch.continueWithAuth", {"requestId": params["requestId"], "authChallengeResponse": answer})
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
        if self.credentials:
            # Every request passes through here, so the 401 challenge can be answered.
            self.call("Fetch.enable", {"handleAuthRequests": True, "patterns": [{"urlPattern": "*"}]})
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
