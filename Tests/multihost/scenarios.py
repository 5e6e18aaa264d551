"""The scenarios of the multi-host harness (issue 11), run by cluster.py on its cluster.

Each scenario has its own spool on the volume, `<mount>/spool-<name>`, written through the
hosts' mounts and inspected through the observer's (never partitioned) mount. Jobs append
"<id> <hostname>" to a ledger on local disk (/tmp, outside the volume, the same path in every
host's mount namespace; `>>` is O_APPEND, one write per line). Between scenarios every host is
"rebooted" (its pid namespace killed, a fresh init started), which ends its workers and jobs.
"""
import json
import os
import re
import select
import statistics
import subprocess
import sys
import time

from cluster import HOSTS, SCRATCH, Abort, log, run

ALL = ("drain", "kill", "partition", "latency")
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
        self.skew = self.q(1, spool, "config", "set", "clock_skew", "0.5", check=False).returncode == 0

    def config_text(self):
        keys = ", ".join(f"{k} {self.lease if k == 'lease' else v}" for k, v in BASE_CONFIG)
        return keys + (", clock_skew 0.5" if self.skew else " (clock_skew: key not known to this binary)")

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
def drain(ctx, n=1000):
    sp, led = ctx.spool("drain"), ctx.ledger("drain")
    ctx.configure(sp)
    t = time.monotonic()
    enqueue(ctx, sp, [{"id": f"d{i:04d}", "command": append_cmd(led)} for i in range(n)])
    log(f"drain: enqueued {n} jobs from h2 in {time.monotonic() - t:.2f} s")
    t0 = time.monotonic()
    for h in HOSTS:
        ctx.worker(h, sp, "drain")
    wait_until(lambda: len(ctx.ls(sp, "completed")) >= n, 50, f"{n} jobs in completed/", step=0.1)
    dt = time.monotonic() - t0
    rows = read_lines(led)
    counts = {}
    for row in rows:
        counts[row[0]] = counts.get(row[0], 0) + 1
    want = {f"d{i:04d}" for i in range(n)}
    twice = sorted(i for i, k in counts.items() if k > 1)
    check(set(counts) == want, f"ledger ids differ: missing {sorted(want - set(counts))[:5]}, extra {sorted(set(counts) - want)[:5]}")
    check(not twice, f"ran twice: {twice[:5]}")
    per_host = {}
    for row in rows:
        per_host[row[1]] = per_host.get(row[1], 0) + 1
    check(set(per_host) == {f"h{h}" for h in HOSTS}, f"not all three hosts did work: {per_host}")
    check(len(ctx.ls(sp, "completed")) == n, f"completed/ holds {len(ctx.ls(sp, 'completed'))}")
    no_leftovers(ctx, sp, want)
    return (f"{n} jobs, every id exactly once, per host {dict(sorted(per_host.items()))}, "
            f"{dt:.2f} s from worker start = {n / dt:.0f} jobs/s; config {ctx.config_text()}")


# --- 4. pickup latency ----------------------------------------------------------------------
def latency(ctx, probes=8):
    """Idle workers on hosts 2 and 3; one job at a time is enqueued alternately on host 1 (no
    worker there: only polling finds it) and host 2 (its own worker's inotify sees it). The time
    from the enqueue command's return to the job's first command, and which host ran it."""
    sp, led = ctx.spool("latency"), ctx.ledger("latency")
    ctx.configure(sp)
    for h in HOSTS[1:]:
        ctx.worker(h, sp, "latency")
    time.sleep(1.0)
    seen = []
    for i in range(probes):
        h = 1 if i % 2 == 0 else 2
        ctx.q(h, sp, "enqueue", json.dumps({"id": f"lat{i}", "command": f'echo "$QUEUECTL_JOB_ID $(date +%s.%N) $(hostname)" >> {led}'}))
        back = time.time()
        wait_until(lambda: len(read_lines(led)) > i, 10, f"latency probe {i}", step=0.005)
        row = read_lines(led)[i]
        seen.append((float(row[1]) - back, h, row[2]))
        time.sleep(0.15)
    remote = [s * 1000 for s, h, _ in seen if h == 1]
    local = [s * 1000 for s, h, _ in seen if h == 2]
    detail = ", ".join(f"h{h}->{ran} {s * 1000:.0f}" for s, h, ran in seen)
    return (f"pickup latency (enqueue returned -> job started): enqueued on a host without a worker (found by polling) "
            f"median {statistics.median(remote):.0f} ms, max {max(remote):.0f} ms; on a host with a worker "
            f"median {statistics.median(local):.0f} ms, max {max(local):.0f} ms [enqueued on -> ran on: {detail} ms]; "
            f"config {ctx.config_text()}")


# --- 2. kill -9 a host --------------------------------------------------------------------
def kill(ctx, n=12):
    sp, led = ctx.spool("kill"), ctx.ledger("kill")
    ctx.configure(sp)
    ids = [f"k{i:02d}" for i in range(1, n + 1)]
    enqueue(ctx, sp, [{"id": i, "command": append_cmd(led, "sleep 2; ")} for i in ids])
    ctx.worker(1, sp, "kill")
    wait_until(lambda: len([x for x in ctx.ls(sp, "processing") if x.startswith("h1-")]) >= 2, 15, "host 1 to claim 2 jobs")
    for h in HOSTS[1:]:
        ctx.worker(h, sp, "kill")
    time.sleep(0.5)
    held = sorted(job_id("processing", x) for x in ctx.ls(sp, "processing") if x.startswith("h1-"))
    nslink = ctx.c.pidns(1)
    before = ctx.c.procs_in(nslink)
    client = ctx.c.clients[1]
    t_kill = time.monotonic()
    ctx.c.kill_host(1)
    left = [p for p in ctx.c.procs_in(nslink)]
    check(not left, f"processes of host 1 survived the kill of its init: {left}")
    check(ctx.c.alive_client(1), f"host 1's FUSE client (pid {client}) died with the host")
    log(f"kill: host 1 killed holding {held}; {len(before)} processes in its pid namespace, 0 after; FUSE client {client} alive")
    reclaimed, repending = {}, {}
    deadline = time.monotonic() + 25
    while len(ctx.ls(sp, "completed")) < n:
        check(time.monotonic() < deadline, f"not all completed 25 s after the kill: completed {len(ctx.ls(sp, 'completed'))}, "
              f"processing {ctx.ls(sp, 'processing')}, pending {ctx.ids(sp, 'pending')}")
        now = time.monotonic() - t_kill
        proc = ctx.ls(sp, "processing")
        pend = set(ctx.ids(sp, "pending"))
        done = set(ctx.ids(sp, "completed"))
        for i in held:
            if i in pend and i not in repending:
                repending[i] = now
            if i not in reclaimed and (i in done or any(x.endswith(f".{i}.json") and not x.startswith("h1-") for x in proc)):
                reclaimed[i] = now
        time.sleep(0.05)
    t_all = time.monotonic() - t_kill
    check(sorted(ctx.ids(sp, "completed")) == ids, f"completed/ holds {ctx.ids(sp, 'completed')}")
    no_leftovers(ctx, sp, ids)
    rows = read_lines(led)
    ran = {}
    for row in rows:
        ran.setdefault(row[0], []).append(row[1])
    check(set(ran) == set(ids), f"ids missing from the ledger: {sorted(set(ids) - set(ran))}")
    twice = {i: h for i, h in ran.items() if len(h) > 1}
    owners = {}
    for i in held:
        j = json.loads(ctx.read(sp, f"completed/{i}.json"))
        owners[i] = (j.get("worker", "?").split("-")[0], [a.get("outcome") for a in j.get("history", [])])
        check(not owners[i][0].startswith("h1"), f"{i} completed by host 1's dead worker: {j.get('worker')}")
    rp = ", ".join(f"{i} {repending.get(i, float('nan')):.2f}/{reclaimed.get(i, float('nan')):.2f} s" for i in held)
    return (f"host 1 killed (its {len(before)} processes, FUSE client alive) while running {held}; "
            f"back in pending / re-claimed after the kill: {rp}; all {n} completed {t_all:.2f} s after the kill; "
            f"those jobs: {owners}; ledger: every id present, run twice: {twice or 'none'}; config {ctx.config_text()}")


# --- 3. partition -------------------------------------------------------------------------
def partition(ctx, late_wait=12.0):
    part_wait = ctx.partition_wait
    sp, led = ctx.spool("partition"), ctx.ledger("partition")
    ctx.configure(sp)
    jid = "p1"
    enqueue(ctx, sp, [{"id": jid, "command": append_cmd(led, "sleep 8; ")}])
    out1 = ctx.worker(1, sp, "partition")
    wait_until(lambda: any(x.startswith("h1-") for x in ctx.ls(sp, "processing")), 15, "host 1 to claim p1")
    claim1 = ctx.ls(sp, "processing")[0]
    # The flock probe: host 1 holds a lock on a file of the volume, host 2 tries it.
    probe_file = f"{ctx.c.mnt}/flock-probe"
    holder = ctx.start(1, [sys.executable, "-c", HOLD, probe_file], f"{SCRATCH}/flock-holder.out")
    wait_until(lambda: "locked" in open(f"{SCRATCH}/flock-holder.out").read(), 10, "host 1's probe lock")
    r = run(ctx.c.on(2, [sys.executable, "-c", PROBE, probe_file, "0"]), timeout=10)
    across = r.stdout.startswith("held")
    log(f"partition: flock of host 1 seen from host 2 before the cut: {'held (locks reach across hosts)' if across else r.stdout.strip()}")
    t_cut, wall_cut = time.monotonic(), time.time()
    ctx.c.link(1, False)
    log(f"partition: link of host 1 down at {time.strftime('%H:%M:%S', time.gmtime(wall_cut))}.{int(wall_cut % 1 * 1000):03d}Z; p1 is {claim1}")
    probe_out = f"{SCRATCH}/flock-probe-h2.out"
    ctx.start(2, [sys.executable, "-c", PROBE, probe_file, "60"], probe_out)
    for h in HOSTS[1:]:
        ctx.worker(h, sp, "partition")
    timeline, last = [], None
    deadline = t_cut + part_wait
    while time.monotonic() < deadline:
        where = [f"{st}/{x}" for st in STATES for x in ctx.ls(sp, st) if job_id(st, x) == jid]
        if where != last:
            timeline.append((time.monotonic() - t_cut, where))
            log(f"partition: +{time.monotonic() - t_cut:.2f} s p1 at {where}")
            last = where
        if any(w.startswith("completed/") for w in where):
            break
        time.sleep(0.1)
    completed_other = any(w.startswith("completed/") for w in (last or []))
    t_up = time.monotonic()
    ctx.c.link(1, True)
    log(f"partition: link of host 1 up at +{t_up - t_cut:.2f} s")
    at_up = last
    deadline = time.monotonic() + late_wait
    while time.monotonic() < deadline:
        text = ctx.read(sp, f"logs/{jid}.log") or ""
        ended = [l for l in open(out1).read().splitlines() if f" end {jid} " in l]
        where = [f"{st}/{x}" for st in STATES for x in ctx.ls(sp, st) if job_id(st, x) == jid]
        if where != last:
            timeline.append((time.monotonic() - t_cut, where))
            log(f"partition: +{time.monotonic() - t_cut:.2f} s p1 at {where}")
            last = where
        if ctx.late_re.search(text) or ended or (where != at_up and completed_other):
            time.sleep(1.0)
            break
        time.sleep(0.2)
    # What happened, step by step.
    probe = open(probe_out).read().split()
    flock_text = (f"host 2 got host 1's flock at +{float(probe[1]) - t_cut:.1f} s after the cut"
                  f" (link up at +{t_up - t_cut:.1f} s)" if probe[:1] == ["acquired"] else f"probe: {' '.join(probe) or 'no answer yet'}")
    log(f"partition: flock probe: {flock_text}")
    log(f"partition: host 1's worker output (link down {time.strftime('%H:%M:%S', time.gmtime(wall_cut))}, "
        f"up {time.strftime('%H:%M:%S', time.gmtime(wall_cut + t_up - t_cut))}):\n    " + compact(open(out1).read()))
    for h in HOSTS[1:]:
        log(f"partition: host {h}'s worker output:\n    " + compact(open(f"{SCRATCH}/worker-partition-h{h}.out").read()))
    text = ctx.read(sp, f"logs/{jid}.log") or ""
    log(f"partition: logs/{jid}.log:\n    " + text.replace("\n", "\n    "))
    log(f"partition: ledger: {read_lines(led)}")
    where = {st: ctx.ls(sp, st) for st in STATES + ("corrupt",) if ctx.ls(sp, st)}
    log(f"partition: spool now: {where}")
    steps = "; ".join(f"+{t:.1f} s {w}" for t, w in timeline)
    h1_end = [l[28:] for l in open(out1).read().splitlines() if f" end {jid} " in l]
    steps += f"; host 1's worker: {h1_end or 'no end line'}"
    try:
        check(completed_other, f"p1 not completed by h2/h3 within {part_wait:.0f} s of the cut; {flock_text}")
        check(ctx.ids(sp, "completed") == [jid], f"completed/ holds {ctx.ls(sp, 'completed')}")
        j = json.loads(ctx.read(sp, f"completed/{jid}.json"))
        check(j.get("worker", "").split("-")[0] in ("h2", "h3"), f"completed/{jid}.json names worker {j.get('worker')}, not h2/h3")
        no_leftovers(ctx, sp, [jid])
        notes = [l for l in text.splitlines() if ctx.late_re.search(l)]
        check(notes, f"logs/{jid}.log has no line matching /{ctx.late_re.pattern}/ (host 1's late result)")
    except Failed as e:
        raise Failed(f"{e}; timeline: {steps}")
    return (f"cut at 0, timeline {steps}; link up +{t_up - t_cut:.1f} s; completed by {j.get('worker')}; "
            f"late note: {notes}; {flock_text}; flock across hosts before the cut: {across}; config {ctx.config_text()}")


TOUCHER = ("import os,sys,time\np=sys.argv[1]\nopen(p,'a').close()\nend=time.time()+float(sys.argv[2])\n"
           "while time.time()<end:\n    os.utime(p)\n    time.sleep(0.1)\n")
AGER = ("import os,sys,time,statistics\np=sys.argv[1]\nend=time.time()+float(sys.argv[2])\nages=[]\n"
        "while time.time()<end:\n    try: ages.append(time.time()-os.stat(p).st_mtime)\n    except OSError: pass\n"
        "    time.sleep(0.02)\n"
        "ages=sorted(ages[10:]) or [0]\n"
        "print('%.2f %.2f %.2f'%(statistics.median(ages),ages[int(len(ages)*0.99)-1],ages[-1]))\n")


# --- facts about the mount, and the flock measurement --------------------------------------
def fs_facts(ctx):
    """What the FUSE mount supports (renameat2 flags, link), tried on host 1."""
    r = run(ctx.c.on(1, [sys.executable, "-c", FSPROBE, f"{ctx.c.mnt}/fsprobe"]), check=False)
    text = (r.stdout or r.stderr).strip()
    # A file host 1 touches every 0.1 s, as host 2 sees it (its mtime's age by stat; one clock):
    # how stale a heartbeat looks from another host with the default caches.
    f = f"{ctx.c.mnt}/fsprobe/touched"
    t = ctx.start(1, [sys.executable, "-c", TOUCHER, f, "3.5"], f"{SCRATCH}/toucher.out")
    time.sleep(0.3)
    r = run(ctx.c.on(2, [sys.executable, "-c", AGER, f, "3"]), check=False)
    t.wait(timeout=10)
    ages = r.stdout.split()
    if len(ages) == 3:
        text += (f"; mtime of a file host 1 touches every 0.1 s, seen by stat on host 2: age median {ages[0]} s,"
                 f" p99 {ages[1]} s, max {ages[2]} s")
    log(f"mount facts (host 1): {text}")
    return text


def flock(ctx, wait=60.0):
    """Host 1 holds an flock on a file of the volume; its link goes down; how long until host 2
    gets the lock (the server drops a cut-off client's locks), and after the link is back."""
    f = f"{ctx.c.mnt}/flock-measure"
    ctx.start(1, [sys.executable, "-c", HOLD, f], f"{SCRATCH}/flock-m-holder.out")
    wait_until(lambda: "locked" in open(f"{SCRATCH}/flock-m-holder.out").read(), 10, "host 1's lock")
    r = run(ctx.c.on(2, [sys.executable, "-c", PROBE, f, "0"]), timeout=10)
    check(r.stdout.startswith("held"), f"host 2 does not see host 1's flock before the cut: {r.stdout.strip()}")
    t_cut = time.monotonic()
    ctx.c.link(1, False)
    out = f"{SCRATCH}/flock-m-probe.out"
    ctx.start(2, [sys.executable, "-c", PROBE, f, str(wait)], out)
    wait_until(lambda: open(out).read().strip() != "", wait + 10, "the probe's answer", step=0.1)
    got = open(out).read().split()
    t_up = time.monotonic()
    ctx.c.link(1, True)
    if got[:1] == ["acquired"]:
        return (f"host 2 got host 1's flock {float(got[1]) - t_cut:.1f} s after host 1's link went down "
                f"(server options: {'; '.join(l for l in ctx.c.server_options() if 'server.' in l or 'ping' in l)})")
    out2 = f"{SCRATCH}/flock-m-probe2.out"
    ctx.start(2, [sys.executable, "-c", PROBE, f, "30"], out2)
    wait_until(lambda: open(out2).read().strip() != "", 40, "the second probe's answer", step=0.1)
    got2 = open(out2).read().split()
    after = (f"{float(got2[1]) - t_up:.1f} s after the link came back" if got2[:1] == ["acquired"]
             else f"not within 30 s after the link came back ({' '.join(got2)})")
    raise Failed(f"host 2 did not get host 1's flock within {wait:.0f} s of the cut (link up at +{t_up - t_cut:.1f} s); "
                 f"got it {after}")


# --- bench --------------------------------------------------------------------------------
def bench(ctx, n=1000):
    def drain_time(spool, hosts):
        jobs = "".join(json.dumps({"id": f"b{i:05d}", "command": "true"}) + "\n" for i in range(n))
        if hosts is None:   # one host on local disk: this machine's root namespaces
            for k, v in (("poll_interval", "0.05"),):
                run([ctx.qbin, "--spool", spool, "config", "set", k, v])
            run([ctx.qbin, "--spool", spool, "enqueue", "-"], input=jobs, timeout=60)
            t0 = time.monotonic()
            with open(f"{SCRATCH}/bench-local.out", "w") as f:
                p = subprocess.Popen([ctx.qbin, "--spool", spool, "worker", "start", "--count", "2"],
                                     stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                wait_until(lambda: len(os.listdir(f"{spool}/completed")) >= n, 90, "local drain", step=0.02)
                return time.monotonic() - t0
            finally:
                p.terminate()
                p.wait(timeout=20)
        ctx.q(1, spool, "config", "set", "poll_interval", "0.05")
        ctx.q(1, spool, "enqueue", "-", input=jobs)
        t0 = time.monotonic()
        for h in hosts:
            ctx.worker(h, spool, f"bench{len(hosts)}")
        try:
            wait_until(lambda: len(ctx.ls(spool, "completed")) >= n, 90, f"drain on {len(hosts)} hosts", step=0.05)
            return time.monotonic() - t0
        finally:
            ctx.c.reboot_hosts()

    rows = [("1 host, local disk (ext4, /tmp), --count 2", drain_time(f"{SCRATCH}/bench-local", None)),
            ("1 host (h1), GlusterFS volume, --count 2", drain_time(ctx.spool("bench1"), [1])),
            ("3 hosts, GlusterFS volume, --count 2 each", drain_time(ctx.spool("bench3"), list(HOSTS)))]
    print(f"\n| drain {n} x `true` (poll_interval 0.05) | seconds | jobs/s |\n|---|---|---|", flush=True)
    for name, s in rows:
        print(f"| {name} | {s:.2f} | {n / s:.0f} |", flush=True)
    return "; ".join(f"{name}: {n / s:.0f} jobs/s" for name, s in rows)


def run_one(ctx, name, *args):
    """Runs one scenario: (name, passed, text); every host is rebooted after it."""
    fn = {"drain": drain, "kill": kill, "partition": partition, "latency": latency, "bench": bench, "flock": flock}[name]
    log(f"=== scenario {name} ===")
    t = time.monotonic()
    ok, text = False, ""
    try:
        text = fn(ctx, *args)
        ok = True
    except Failed as e:
        text = str(e)
    except Abort:
        raise
    except Exception as e:  # noqa: BLE001 - a scenario's error is its failure
        text = f"{type(e).__name__}: {e}"
    finally:
        try:
            for h in list(ctx.c.down):
                ctx.c.link(h, True)
            ctx.finish()
        except Abort:
            raise
        except Exception as e:  # noqa: BLE001
            ok, text = False, f"{text}; and the hosts could not be restarted: {e}"
    dt = time.monotonic() - t
    log(f"=== {name}: {'PASS' if ok else 'FAIL'} in {dt:.1f} s: {text}")
    return name, ok, f"{text} [{dt:.1f} s]"
