"""Measurements of the multi-host harness: what the FUSE mount supports (fs_facts), how long a
cut-off host's flock survives (flock, `cluster.py --flock-probe`), and drain throughput against
local disk (bench, `cluster.py --bench`)."""
import json
import os
import subprocess
import sys
import time

from proc import HOSTS, SCRATCH, log, run
from support import FSPROBE, HOLD, PROBE, Failed, check, wait_until


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
