"""The scenarios of the multi-host harness (issue 11), run by cluster.py on its cluster.

Each scenario has its own spool on the volume, `<mount>/spool-<name>`, written through the
hosts' mounts and inspected through the observer's (never partitioned) mount. Jobs append
"<id> <hostname>" to a ledger on local disk (/tmp, outside the volume, the same path in every
host's mount namespace; `>>` is O_APPEND, one write per line). Between scenarios every host is
"rebooted" (its pid namespace killed, a fresh init started), which ends its workers and jobs.
"""
import json
import statistics
import sys
import time

import measure
from proc import HOSTS, SCRATCH, Abort, log, run
from support import (HOLD, PROBE, STATES, Failed, append_cmd, check, compact, enqueue, job_id,
                     no_leftovers, read_lines, wait_until)

ALL = ("drain", "kill", "partition", "latency")


def drain(ctx, n=1000):
    sp, led = ctx.spool("drain"), ctx.ledger("drain")
    ctx.configure(sp)
    t = time.monotonic()
    enqueue(ctx, sp, [{"id": f"d{i:04d}", "command": append_cmd(led)} for i in range(n)])
    log(f"drain: enqueued {n} jobs from h2 in {time.monotonic() - t:.2f} s")
    t0 = time.monotonic()
    for h in HOSTS:
        ctx.worker(h, sp, "drain")
    # At most 100 s (about 27 s alone on this machine), and never so long that the scenarios
    # after it (about 55 s at worst) could not run before the overall timeout.
    cap = max(15.0, min(100.0, ctx.deadline - time.monotonic() - 55.0))
    wait_until(lambda: len(ctx.ls(sp, "completed")) >= n, cap, f"{n} jobs in completed/", step=0.1)
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
    rp = ", ".join(f"{i} {repending.get(i, float('nan')):.2f}/{reclaimed.get(i, float('nan')):.2f} s" for i in held)
    timing = (f"host 1 killed (its {len(before)} processes, FUSE client alive) while running {held}; "
              f"back in pending / re-claimed after the kill: {rp}; all {n} in completed/ {t_all:.2f} s after the kill")
    try:
        check(sorted(ctx.ids(sp, "completed")) == ids, f"completed/ holds {ctx.ids(sp, 'completed')}")
        no_leftovers(ctx, sp, ids)
        ran = {}
        for row in read_lines(led):
            ran.setdefault(row[0], []).append(row[1])
        check(set(ran) == set(ids), f"ids missing from the ledger: {sorted(set(ids) - set(ran))}")
        twice = {i: h for i, h in ran.items() if len(h) > 1}
        owners = {}
        for i in held:
            j = json.loads(ctx.read(sp, f"completed/{i}.json"))
            owners[i] = (j.get("worker", "?").split("-")[0], [a.get("outcome") for a in j.get("history", [])])
            check(not owners[i][0].startswith("h1"), f"{i} completed by host 1's dead worker: {j.get('worker')}")
    except Failed as e:
        raise Failed(f"{e}; {timing}")
    return (f"{timing}; those jobs: {owners}; ledger: every id present, run twice: {twice or 'none'}; "
            f"config {ctx.config_text()}")


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


def run_one(ctx, name, *args):
    """Runs one scenario: (name, passed, text); every host is rebooted after it."""
    fn = {"drain": drain, "kill": kill, "partition": partition, "latency": latency, "bench": measure.bench, "flock": measure.flock}[name]
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
