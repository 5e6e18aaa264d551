"""What the scenarios of the multi-host harness share: the scenario context (running queuectl
and workers on a host, reading the spool through the observer's mount), checks, and the small
Python programs run on the hosts (flock holder and probe, mount probe)."""
import json
import os
import re
import subprocess
import time

from proc import SCRATCH, run

STATES = ("pending", "processing", "completed", "failed", "dead", "held", "waiting")
BASE_CONFIG = [("lease", "1"), ("poll_interval", "0.05"), ("time_unit", "0.01"), ("kill_grace", "0.2")]

FSPROBE = r"""
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
d = sys.argv[1]
os.makedirs(d, exist_ok=True)
def mk(n):
    open(f"{d}/{n}", "w").close()
def r2(a, b, flags):
    rc = libc.renameat2(-100, f"{d}/{a}".encode(), -100, f"{d}/{b}".encode(), flags)
    return "ok" if rc == 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
mk("a"); mk("b")
out = ["renameat2(RENAME_NOREPLACE) onto an existing name: " + r2("a", "b", 1),
       "renameat2(RENAME_NOREPLACE) to a new name: " + r2("a", "c", 1)]
mk("a")
out.append("renameat2(RENAME_EXCHANGE): " + r2("a", "b", 2))
try:
    os.link(f"{d}/b", f"{d}/l"); out.append("link: ok")
except OSError as e:
    out.append("link: " + errno.errorcode.get(e.errno, str(e.errno)))
print("; ".join(out))
"""

HOLD = ("import fcntl,sys,time\nf=open(sys.argv[1],'a')\nfcntl.flock(f,fcntl.LOCK_EX)\n"
        "print('locked',flush=True)\ntime.sleep(600)\n")
PROBE = ("import fcntl,sys,time\nf=open(sys.argv[1],'a')\nend=time.monotonic()+float(sys.argv[2])\n"
         "while time.monotonic()<end:\n"
         "    try:\n        fcntl.flock(f,fcntl.LOCK_EX|fcntl.LOCK_NB)\n"
         "        print('acquired %.3f'%time.monotonic(),flush=True); fcntl.flock(f,fcntl.LOCK_UN); sys.exit(0)\n"
         "    except BlockingIOError: pass\n"
         "    except OSError as e: print('error %.3f %s'%(time.monotonic(),e),flush=True)\n"
         "    if float(sys.argv[2])==0: break\n"
         "    time.sleep(0.1)\n"
         "print('held %.3f'%time.monotonic(),flush=True)\n")


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


def wait_until(cond, timeout, what, step=0.05):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise Failed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)


def job_id(state, name):
    """The job id in a state directory's file name (spool-layout.md, File names)."""
    base = name[:-5] if name.endswith(".json") else name
    if state in ("pending", "failed"):
        return base.split(".", 2)[-1]
    if state == "processing":
        return base.split(".", 1)[-1]
    return base


class Context:
    def __init__(self, cluster, qbin, late_re, lease="1", partition_wait=20.0):
        self.c, self.qbin, self.late_re, self.lease = cluster, qbin, re.compile(late_re), lease
        self.partition_wait = partition_wait
        self.deadline = float("inf")   # monotonic time of the overall timeout (set by cluster.py)
        self.procs = []
        self.skew = None

    def spool(self, name):
        return f"{self.c.mnt}/spool-{name}"

    def q(self, h, spool, *args, input=None, timeout=60, check=True):
        return run(self.c.on(h, [self.qbin, "--spool", spool, *args]), input=input, timeout=timeout, check=check)

    def configure(self, spool, extra=()):
        for k, v in list(BASE_CONFIG) + list(extra):
            v = self.lease if k == "lease" else v
            self.q(1, spool, "config", "set", k, v)
        self.skew = self.q(1, spool, "config", "set", "clock_skew", "1", check=False).returncode == 0

    def config_text(self):
        keys = ", ".join(f"{k} {self.lease if k == 'lease' else v}" for k, v in BASE_CONFIG)
        return keys + (", clock_skew 1" if self.skew else " (clock_skew: key not known to this binary)")

    def start(self, h, argv, out):
        with open(out, "w") as f:
            p = subprocess.Popen(self.c.on(h, argv), stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        self.procs.append(p)
        return p

    def worker(self, h, spool, tag, count=2):
        out = f"{SCRATCH}/worker-{tag}-h{h}.out"
        self.start(h, [self.qbin, "--spool", spool, "worker", "start", "--count", str(count)], out)
        return out

    def ls(self, spool, state):
        try:
            return sorted(os.listdir(self.c.view(f"{os.path.basename(spool)}/{state}")))
        except FileNotFoundError:
            return []

    def ids(self, spool, state):
        return [job_id(state, n) for n in self.ls(spool, state)]

    def read(self, spool, rel):
        try:
            with open(self.c.view(f"{os.path.basename(spool)}/{rel}"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def ledger(self, name):
        path = f"{SCRATCH}/ledger-{name}.txt"
        open(path, "w").close()
        return path

    def finish(self):
        """Ends every host's processes (fresh host inits) and reaps what we started."""
        self.c.reboot_hosts()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        self.procs = []


def compact(text, limit=30):
    """A worker's output with repeated messages folded: each distinct message (digits ignored)
    once, at its first time, with how often and until when it was printed."""
    seen, order = {}, []
    for line in text.splitlines():
        key = re.sub(r"[0-9]+", "#", line[28:])
        if key in seen:
            seen[key][1] += 1
            seen[key][2] = line[:27]
        else:
            seen[key] = [line, 1, line[:27]]
            order.append(key)
    out = [v[0] + (f"   [x{v[1]}, last at {v[2]}]" if v[1] > 1 else "") for v in (seen[k] for k in order)]
    if len(out) > limit:
        out = out[:limit] + [f"... {len(out) - limit} more distinct lines"]
    return "\n    ".join(out)


def read_lines(path):
    with open(path) as f:
        return [l.split() for l in f.read().splitlines() if l.strip()]


def append_cmd(ledger, before=""):
    return f'{before}echo "$QUEUECTL_JOB_ID $(hostname)" >> {ledger}'


def enqueue(ctx, spool, jobs):
    lines = "".join(json.dumps(j) + "\n" for j in jobs)
    ctx.q(2, spool, "enqueue", "-", input=lines)


def no_leftovers(ctx, spool, ids, but="completed", settle=5.0):
    """No job of ids in another state than `but`, nothing quarantined. A finish links the
    outcome, then unlinks the claim: a copy may be seen for an instant, so wait up to settle s."""
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline and any(set(ctx.ids(spool, st)) & set(ids) for st in STATES if st != but):
        time.sleep(0.1)
    for st in STATES:
        if st != but:
            stray = sorted(set(ctx.ids(spool, st)) & set(ids))
            check(not stray, f"{st}/ still holds {stray[:5]}")
    bad = ctx.ls(spool, "corrupt")
    reasons = [(ctx.read(spool, f"corrupt/{r}") or "").strip() for r in bad if r.endswith(".reason")]
    check(not bad, f"quarantine: {bad[:4]}; reasons: {reasons[:2]}")


# --- 1. drain ----------------------------------------------------------------------------
