#!/usr/bin/env python3
"""Where the enqueue -> start latency goes (issue 12): the parts of the path from `queuectl
enqueue` to the job's shell running, per job, median over N jobs. Python 3 standard library,
plus `perf` (Debian: linux-perf) or `strace`.

    bench/latency-parts.py [--bin .build/release/queuectl] [--jobs 100] [--tmp /work/bench-tmp]
                           [--tracer perf|strace] [--keep]

It runs two passes on fresh spools (poll_interval 5 s, so only inotify explains a quick start):

1. uninstrumented: an idle `worker start --count 2`; per job, `queuectl enqueue --id ID
   --command 'echo TOKEN >FIFO'` is spawned and timed until this script's blocking open of the
   FIFO returns (the job's shell performs its first instruction), as bench.py's latency test;
   next to it the floor, a direct posix_spawn of `/bin/sh -c 'echo TOKEN >FIFO'`.
2. traced: the same, with the worker under a tracer restricted to the system calls that mark
   the parts (poll, renameat2, clone3, openat, flock, fsync, execve, ...):
   - `perf trace -T` (default): syscall tracepoints, no stops, but no file names either: the
     calls are told apart by thread, order and flags (see `breakdown_perf`). Each traced call
     still costs some tens of microseconds more here (a VM), every other call a few.
   - `strace -f --seccomp-bpf -ttt -T`: file names, but strace stops the worker at each traced
     call and attaches to every new child before it may run: far more inflated, the spawn part
     most.
   The traced parts are inflated either way, and their sum exceeds the uninstrumented figures
   printed above them: read them for where the time goes, the uninstrumented lines for how
   much. The uninstrumented floor (a direct spawn until the shell opens the FIFO) is the honest
   figure for spawn + exec + sh together.

Parts (the enqueue's return is this script's clock, put on the tracer's clock):
  invoked   enqueue invoked -> the worker's poll() returned (not a part: the enqueue's own time)
  wake      enqueue returned -> the worker's poll() returned (negative: the worker woke on
            the pending/ file's arrival, before `enqueue` finished its own fsyncs and exited)
  scan      poll() returned -> claim rename entered (inotify drain, candidate queue, admission)
  rename    the claim rename (pending/ -> processing/, renameat2)
  thread    rename returned -> the job's thread created (clone3 returned in the loop)
  claim     job thread created -> its first logs/ call (read, rewrite, fsyncs of the claim)
  runlock   the log's open (strace: the thread's first logs/ call; perf: the openat before its
            first flock) -> spawn entered (open or reuse of logs/<id>.log, flock, fstat)
  spawn     clone3 (vfork) entered -> execve entered in the child (posix_spawn's child side)
  exec      execve of /bin/sh, entered -> returned
  sh        execve returned -> the shell's open() of the FIFO entered (dynamic loading, sh start)
  total     enqueue returned -> the shell's open() of the FIFO
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

TRACED = "poll,ppoll,renameat2,rename,clone3,clone,openat,flock,fsync,fdatasync,execve,link,unlink"


def spawn_wait(argv):
    pid = os.posix_spawn(argv[0], argv, os.environ)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


CLOCK = time.time   # strace -ttt prints wall-clock seconds; set to monotonic for perf trace


def fifo_open(fifo):
    fd = os.open(fifo, os.O_RDONLY)
    t = CLOCK()
    data = b""
    while True:
        chunk = os.read(fd, 256)
        if not chunk:
            break
        data += chunk
    os.close(fd)
    return t, data.decode().strip()


def run_pass(args, label, traced):
    spool = os.path.join(args.tmp, f"latparts-{label}-{os.getpid()}")
    shutil.rmtree(spool, ignore_errors=True)
    q = [args.bin, "--spool", spool]
    subprocess.run(q + ["status"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(q + ["config", "set", "poll_interval", "5"], check=True, stdout=subprocess.DEVNULL)
    fifo = os.path.join(spool, "..", f"latparts-{label}-{os.getpid()}.fifo")
    fifo = os.path.abspath(fifo)
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    trace = os.path.join(args.tmp, f"latparts-{os.getpid()}.strace")
    argv = q + ["worker", "start", "--count", "2"]
    if traced == "strace":
        argv = ["strace", "-f", "--seccomp-bpf", "-ttt", "-T", "-e", f"trace={TRACED}", "-o", trace] + argv
    elif traced == "perf":
        argv = ["perf", "trace", "-T", "-e", TRACED, "-o", trace, "--"] + argv
    w = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reg = os.path.join(spool, "workers")
    deadline = time.time() + 20
    while not any(n.endswith(".json") for n in os.listdir(reg)) and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    samples = []   # (id, token, t_invoked, t_returned, t_open)
    for i in range(args.jobs + 2):
        jid, token = f"lat{i:05d}", f"tok{i:05d}x{os.getpid()}"
        t0 = CLOCK()
        pid = os.posix_spawn(q[0], q + ["enqueue", "--id", jid, "--command", f"echo {token} >{fifo}"], os.environ,
                             file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
        os.waitpid(pid, 0)
        t1 = CLOCK()
        t2, got = fifo_open(fifo)
        if got != token:
            sys.exit(f"job {jid}: read {got!r}, expected {token!r}")
        if i >= 2:   # two warm-up jobs dropped
            samples.append((jid, token, t0, t1, t2))
        time.sleep(0.02)
    # the floor: a direct spawn of the same shell command
    floor = []
    for i in range(args.jobs):
        token = f"floor{i}"
        t0 = CLOCK()
        pid = os.posix_spawn("/bin/sh", ["/bin/sh", "-c", f"echo {token} >{fifo}"], os.environ)
        t2, got = fifo_open(fifo)
        os.waitpid(pid, 0)
        floor.append(t2 - t0)
        time.sleep(0.01)
    subprocess.run(q + ["worker", "stop", "--wait", "--timeout", "10"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        w.wait(timeout=20)
    except subprocess.TimeoutExpired:
        w.kill()
        w.wait()
    os.unlink(fifo)
    if not args.keep:
        shutil.rmtree(spool, ignore_errors=True)
    return samples, floor, trace if traced else None


LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")


def parse_trace(path):
    """-> list of events (pid, name, entry, exit, args, ret), in file order."""
    events, pending = [], {}
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            pid, ts, rest = int(m.group(1)), float(m.group(2)), m.group(3)
            if rest.startswith("<..."):
                mm = re.match(r"<\.\.\. (\w+) resumed>(.*)", rest)
                if not mm or pid not in pending:
                    continue
                name, entry, args = pending.pop(pid)
                tail = mm.group(2)
                dur = re.search(r"<(\d+\.\d+)>\s*$", tail)
                exit_ = entry + float(dur.group(1)) if dur else ts
                ret = re.search(r"=\s*(-?\d+)", tail)
                events.append((pid, name, entry, exit_, args + tail, ret.group(1) if ret else None))
                continue
            mm = re.match(r"(\w+)\((.*)", rest)
            if not mm:
                continue
            name, tail = mm.group(1), mm.group(2)
            if tail.endswith("<unfinished ...>"):
                pending[pid] = (name, ts, tail)
                continue
            dur = re.search(r"<(\d+\.\d+)>\s*$", tail)
            ret = re.search(r"\)\s*=\s*(-?\d+)", tail)
            events.append((pid, name, ts, ts + (float(dur.group(1)) if dur else 0.0), tail, ret.group(1) if ret else None))
    events.sort(key=lambda e: e[2])
    return events


def breakdown(samples, events):
    main = None
    for e in events:
        main = e[0]
        break
    # the worker's main thread is the traced process itself: the first pid in the file
    with_lines = {}
    parts = {k: [] for k in ("invoked", "wake", "scan", "rename", "thread", "claim", "runlock", "spawn", "exec", "sh", "total")}
    for jid, token, t0, t1, t2 in samples:
        claim = next((e for e in events if e[1] in ("renameat2", "rename") and f"pending/" in e[4] and f".{jid}.json" in e[4]
                      and "processing/" in e[4]), None)
        if claim is None:
            continue
        loop = claim[0]
        wake = max((e for e in events if e[0] == loop and e[1] in ("poll", "ppoll") and e[3] <= claim[2]),
                   key=lambda e: e[3], default=None)
        thread = next((e for e in events if e[0] == loop and e[1] == "clone3" and e[2] >= claim[3]), None)
        if wake is None or thread is None or thread[5] is None:
            continue
        tid = int(thread[5])
        first_log = next((e for e in events if e[0] == tid and "/logs/" in e[4]), None)
        spawn = next((e for e in events if e[0] == tid and e[1] in ("clone3", "clone") and first_log and e[2] >= first_log[2]), None)
        if first_log is None or spawn is None or spawn[5] is None:
            continue
        child = int(spawn[5])
        execve = next((e for e in events if e[0] == child and e[1] == "execve"), None)
        fifo = next((e for e in events if e[0] == child and e[1] == "openat" and ".fifo" in e[4]), None)
        if execve is None or fifo is None:
            continue
        ms = lambda a, b: (b - a) * 1000
        parts["invoked"].append(ms(t0, wake[3]))
        parts["wake"].append(ms(t1, wake[3]))
        parts["scan"].append(ms(wake[3], claim[2]))
        parts["rename"].append(ms(claim[2], claim[3]))
        parts["thread"].append(ms(claim[3], thread[3]))
        parts["claim"].append(ms(thread[3], first_log[2]))
        parts["runlock"].append(ms(first_log[2], spawn[2]))
        parts["spawn"].append(ms(spawn[2], execve[2]))
        parts["exec"].append(ms(execve[2], execve[3]))
        parts["sh"].append(ms(execve[3], fifo[2]))
        parts["total"].append(ms(t1, fifo[2]))
    return parts


PERF_LINE = re.compile(r"^\s*([\d.]+|\?) \(\s*(?:([\d.]+) ms)?\s*\): (.+?)/(\d+) (.*)$")


def parse_perf_trace(path):
    """-> events (tid, comm, name, entry, exit, args, ret) in seconds of perf's clock, by entry.
    A call that blocked appears twice: started ("...") and "[continued]" with its start time and
    duration; only the latter is kept."""
    events, started = [], {}
    with open(path, errors="replace") as f:
        for line in f:
            m = PERF_LINE.match(line)
            if not m:
                continue
            if m.group(1) == "?":   # a continuation whose start perf did not see: only who and what
                c = re.match(r"\.\.\. \[continued\]: (\w+)\(", m.group(5).strip())
                if c:
                    events.append((int(m.group(4)), m.group(3), c.group(1), None, None, "", None))
                continue
            if not m.group(2):   # started, not finished: keep its arguments for the continuation
                mm = re.match(r"(\w+)\((.*)\)\s*\.\.\.", m.group(5).strip())
                if mm:
                    started[int(m.group(4))] = (mm.group(1), mm.group(2))
                continue
            ts, dur, comm, tid, rest = float(m.group(1)) / 1000, float(m.group(2)) / 1000, m.group(3), int(m.group(4)), m.group(5).strip()
            c = re.match(r"\.\.\. \[continued\]: (\w+)\(\)\)\s*=\s*(-?\d+)?", rest)
            if c:
                name, ret = c.group(1), c.group(2)
                prev = started.pop(tid, None)
                args = prev[1] if prev and prev[0] == name else ""
            else:
                mm = re.match(r"(\w+)\((.*)\)\s*=\s*(-?\d+)?", rest)
                if not mm:
                    continue
                name, args, ret = mm.group(1), mm.group(2), mm.group(3)
            events.append((tid, comm, name, ts, ts + dur, args, ret))
    events.sort(key=lambda e: -1 if e[3] is None else e[3])
    return events


def breakdown_perf(samples, events):
    """perf trace shows no file names: each job is found from the shell's open of the FIFO
    (`openat` with CREAT|TRUNC|WRONLY in a process that made an execve), the k-th such open being the k-th
    job; then backwards: its execve, the spawning clone3 (which returned the shell's pid) in the
    job's thread, that thread's first flock (the run lock) and the openat just before it (the
    log's open, or the reused log's probe), the clone3 in the loop thread that created the job's
    thread, the claim's renameat2 and the poll() return before it. The enqueue's return (this
    script's CLOCK_MONOTONIC) is put on perf's clock by the median offset between this script's
    FIFO open and the shell's."""
    parts = {k: [] for k in ("invoked", "wake", "scan", "rename", "thread", "claim", "runlock", "spawn", "exec", "sh", "total")}
    execed = {e[0] for e in events if e[2] == "execve"}
    fifo_opens = [e for e in events if e[0] in execed and e[2] == "openat" and "CREAT" in e[5] and "TRUNC" in e[5]]
    jobs = list(zip(samples, fifo_opens[-len(samples):])) if len(fifo_opens) >= len(samples) else []
    if not jobs:
        return parts
    jobs = [(sample, fo) for sample, fo in jobs if fo[4] is not None]
    if not jobs:
        return parts
    offset = statistics.median(t2 - fo[4] for (_, _, _, _, t2), fo in jobs)
    by_tid = {}
    for e in events:
        by_tid.setdefault(e[0], []).append(e)
    ms = lambda a, b: (b - a) * 1000
    for (jid, token, t0, t1, t2), fo in jobs:
        if abs(t2 - offset - fo[4]) > 0.005:
            continue   # not this job's shell (an event perf lost shifted the pairing): left out
        child = fo[0]
        execve = next((e for e in by_tid.get(child, []) if e[2] == "execve"), None)
        spawn = next((e for e in events if e[2] in ("clone3", "clone") and e[6] == str(child) and e[0] != child), None)
        if execve is None or spawn is None or execve[3] is None or spawn[3] is None:
            continue
        job = by_tid[spawn[0]]
        flock = next((e for e in job if e[2] == "flock" and e[3] is not None), None)
        if flock is None:
            continue
        log_open = max((e for e in job if e[2] == "openat" and e[3] is not None and e[3] <= flock[3]), key=lambda e: e[3], default=None)
        thread = next((e for e in events if e[2] == "clone3" and e[6] == str(spawn[0]) and e[3] is not None), None)
        if log_open is None or thread is None:
            continue
        loop = by_tid[thread[0]]
        claim = max((e for e in loop if e[2] == "renameat2" and e[3] is not None and e[3] <= thread[3]), key=lambda e: e[3], default=None)
        if claim is None:
            continue
        wake = max((e for e in loop if e[2] in ("poll", "ppoll") and e[4] is not None and e[4] <= claim[3]), key=lambda e: e[4], default=None)
        if wake is None:
            continue
        r0, r1 = t0 - offset, t1 - offset
        parts["invoked"].append(ms(r0, wake[4]))
        parts["wake"].append(ms(r1, wake[4]))
        parts["scan"].append(ms(wake[4], claim[3]))
        parts["rename"].append(ms(claim[3], claim[4]))
        parts["thread"].append(ms(claim[4], thread[4]))
        parts["claim"].append(ms(thread[4], log_open[3]))
        parts["runlock"].append(ms(log_open[3], spawn[3]))
        parts["spawn"].append(ms(spawn[3], execve[3]))
        parts["exec"].append(ms(execve[3], execve[4]))
        parts["sh"].append(ms(execve[4], fo[3]))
        parts["total"].append(ms(r1, fo[3]))
    return parts


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default=".build/release/queuectl")
    p.add_argument("--jobs", type=int, default=100)
    p.add_argument("--tmp", default="/work/bench-tmp")
    p.add_argument("--keep", action="store_true", help="keep the spools and the trace")
    p.add_argument("--tracer", choices=["perf", "strace"], default="perf",
                   help="perf trace (default: syscall tracepoints, no stops) or strace (ptrace: file names, much more overhead)")
    args = p.parse_args()
    args.bin = os.path.abspath(args.bin)
    os.makedirs(args.tmp, exist_ok=True)
    if not shutil.which(args.tracer):
        sys.exit(f"latency-parts: needs {args.tracer} (Debian: linux-perf, strace)")
    global CLOCK
    if args.tracer == "perf":
        CLOCK = lambda: time.clock_gettime(time.CLOCK_MONOTONIC)
    load0 = os.getloadavg()
    samples, floor, _ = run_pass(args, "plain", traced=None)
    inv = [(t2 - t0) * 1000 for _, _, t0, _, t2 in samples]
    ret = [(t2 - t1) * 1000 for _, _, _, t1, t2 in samples]
    fl = [x * 1000 for x in floor]
    tsamples, _, trace = run_pass(args, "traced", traced=args.tracer)
    if args.tracer == "perf":
        parts = breakdown_perf(tsamples, parse_perf_trace(trace))
    else:
        parts = breakdown(tsamples, parse_trace(trace))
    if not args.keep:
        os.unlink(trace)
    load1 = os.getloadavg()
    print(f"latency parts, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, binary {args.bin}, {args.jobs} jobs per pass")
    print(f"load average {load0[0]:.2f} at start, {load1[0]:.2f} at end")
    print()
    print("uninstrumented (worker --count 2 idle, poll_interval 5 s)   p50 ms   p90 ms")
    print(f"  enqueue invoked  -> sh opens FIFO                        {statistics.median(inv):7.2f}  {pct(inv, 90):7.2f}")
    print(f"  enqueue returned -> sh opens FIFO                        {statistics.median(ret):7.2f}  {pct(ret, 90):7.2f}")
    print(f"  floor: posix_spawn /bin/sh -c 'echo >FIFO' -> FIFO open  {statistics.median(fl):7.2f}  {pct(fl, 90):7.2f}")
    print(f"  enqueue invoked -> start, minus the floor                {statistics.median(inv) - statistics.median(fl):+7.2f}")
    print(f"  enqueue returned -> start, minus the floor               {statistics.median(ret) - statistics.median(fl):+7.2f}")
    print()
    n = len(parts["total"])
    print(f"under {args.tracer} ({n} of {len(tsamples)} jobs matched)                  median ms  p90 ms")
    for k in ("invoked", "wake", "scan", "rename", "thread", "claim", "runlock", "spawn", "exec", "sh", "total"):
        if parts[k]:
            print(f"  {k:8s} {statistics.median(parts[k]):10.3f} {pct(parts[k], 90):8.3f}")
    s = sum(statistics.median(parts[k]) for k in ("wake", "scan", "rename", "thread", "claim", "runlock", "spawn", "exec", "sh") if parts[k])
    print(f"  (sum of the part medians {s:.3f} ms)")


if __name__ == "__main__":
    main()
