#!/usr/bin/env python3
"""Drives the queuectl dashboard in headless Chromium (stdlib only).

Usage: dashboard.py URL [--screenshot PATH] [--timeout SECONDS] [--read-only | --token T]

Drives Chromium through cdp.py (the DevTools protocol over --remote-debugging-pipe, no
websocket). Expects the fixture DashboardBrowserTests sets up on the spool the server serves:
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
With --token T (a `queuectl web --token T` server): the browser is asked for credentials once
(401, Basic), answered with any user name and T; then the page works, live, and can pause.
Saves a screenshot to PATH (default: $QUEUECTL_ARTIFACTS/dashboard.png, else
.build/test-artifacts/dashboard.png). Exit 0 when every check passed, 1 otherwise.
"""
import argparse
import json
import os
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, Failure  # noqa: E402

XSS = {
    "xss-script": "<script>alert(1)</script>",
    "xss-img": "<img src=x onerror=alert(2)>",
}


def text_of(selector):
    return "(document.querySelector(%s) || {}).textContent" % json.dumps(selector)


def row(job_id):
    return '#job-rows tr[data-id="%s"]' % job_id


def events_served(url, token=None):
    """Whether the server has GET /api/events (then the page must be live through it)."""
    request = urllib.request.Request(urllib.parse.urljoin(url, "/api/events"))
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
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
    b.type_into("#f-command", "sleep 2; echo hello-from-the-form")
    b.type_into("#f-id", "form-1")
    b.click("#f-submit")
    b.wait_for("the form's answer", "(%s || '').includes('enqueued form-1')" % text_of("#f-result"))
    state = text_of('#detail-fields dd[data-field="state"]')
    b.wait_for("form-1 unfinished in the detail pane",
               "%s === 'form-1' && ['pending', 'processing'].includes(%s)" % (text_of("#detail-id"), state))
    b.wait_for("form-1 completed in the detail pane", "%s === 'form-1' && %s === 'completed'" % (text_of("#detail-id"), state), timeout=25)
    b.wait_for("form-1's log", "(%s || '').includes('hello-from-the-form')" % text_of("#log"))
    # Its attempt history as a table: one row, completed, exit 0, with the output's last line.
    b.wait_for("form-1's attempts table",
               "document.querySelectorAll('#attempt-rows tr[data-attempt]').length === 1"
               " && %s === 'completed'" % text_of('#attempt-rows tr[data-attempt="1"] td[data-outcome]')
               + " && (%s || '').includes('exit 0')" % text_of('#attempt-rows tr[data-attempt="1"] td:nth-child(5)')
               + " && (%s || '').includes('hello-from-the-form')" % text_of('#attempt-rows tr[data-output-of="1"] pre'))
    b.wait_for("the completed count to grow", "Number(%s) > %d" % (text_of("#count-completed .n"), before))
    print("form-1 enqueued through the form and shown completed live")
    # The API's error text is shown when it refuses (here: the id exists).
    b.type_into("#f-command", "true")
    b.type_into("#f-id", "form-1")
    b.click("#f-submit")
    b.wait_for("the API's error in the form", "%s === \"a job with id 'form-1' already exists\"" % text_of("#f-error"))
    print("the form shows the API's error text")

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


def check_token(b, url, token, shot):
    """On a --token server: the browser is asked once (HTTP 401, Basic) and the user answers
    with any name and the token; then the page, its live stream and its changes work."""
    stream = events_served(url, token)
    b.credentials = ("operator", token)
    b.open(url)
    b.wait_for("the page and its counts", "document.readyState === 'complete' && /^[0-9]+$/.test(%s)" % text_of("#count-pending .n"))
    if stream:
        b.wait_for("the page to use the event stream", "document.getElementById('live').dataset.mode === 'live'")
    b.click("#pause")
    b.wait_for("the paused badge", "!document.getElementById('paused-badge').hidden && !document.getElementById('resume').hidden")
    b.click("#resume")
    b.wait_for("the pause button again", "document.getElementById('paused-badge').hidden && !document.getElementById('pause').hidden")
    b.pump(0.3)
    if b.auth_challenges != 1:
        raise Failure("the browser was asked for credentials %d times, expected once" % b.auth_challenges)
    b.screenshot(shot)
    print("token: asked once; page, stream (%s) and pause/resume work with Basic credentials; screenshot: %s" % (stream, shot))
    if b.dialogs or b.problems:
        raise Failure("dialogs %r, problems %r" % (b.dialogs, b.problems))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("url")
    p.add_argument("--screenshot")
    p.add_argument("--timeout", type=float, default=45)
    p.add_argument("--read-only", action="store_true", help="check a --read-only server instead (job ro-1 pending)")
    p.add_argument("--token", help="check a --token server instead: answer its 401 with this token")
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
        if a.token:
            check_token(b, a.url, a.token, shot)
        elif a.read_only:
            check_read_only(b, a.url, shot)
        else:
            check(b, a.url, shot)
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
