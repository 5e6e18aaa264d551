#!/usr/bin/env python3
"""queuectl benchmark (issue 5). Python 3 standard library only; see bench/README.md.

Run it through bench/run.sh, which builds the release binary first:

    bench/run.sh            # full run (10k / 100k / 1M jobs), about 5 minutes
    bench/run.sh --quick    # small sizes, about 1 minute, for development

Every figure is measured against its reference in the same run, on the same disk.
Processes are started with posix_spawn and reaped with wait4, so the harness adds about
as little as a shell would (the `/bin/true` spawn cost is printed as the harness floor).
"""

import argparse
import datetime
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time

# ----------------------------------------------------------------------------- helpers

DEVNULL_W = os.open(os.devnull, os.O_WRONLY)
DEVNULL_R = os.open(os.devnull, os.O_RDONLY)


def log(msg):
    """Progress goes to stderr, the report to stdout."""
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def spawn(argv, stdin=None, stdout=None, stderr=None, env=None):
    """posix_spawn argv[0] with the given fds (None: /dev/null; stderr None: inherit). Returns pid."""
    actions = [(os.POSIX_SPAWN_DUP2, DEVNULL_R if stdin is None else stdin, 0),
               (os.POSIX_SPAWN_DUP2, DEVNULL_W if stdout is None else stdout, 1)]
    if stderr is not None:
        actions.append((os.POSIX_SPAWN_DUP2, stderr, 2))
    return os.posix_spawn(argv[0], argv, env if env is not None else os.environ, file_actions=actions)


def wait_on_fifo(fifo, timeout=10):
    """Opens `fifo` for reading, which returns when a job's shell opens it for writing (the
    job's first instruction), then reads to end of file. SIGALRM after `timeout` s (the
    caller's handler raises). Returns (perf_counter_ns and time_ns at the open, the bytes)."""
    signal.setitimer(signal.ITIMER_REAL, timeout)
    fd = os.open(fifo, os.O_RDONLY)
    t1 = time.perf_counter_ns()
    wall1 = time.time_ns()
    signal.setitimer(signal.ITIMER_REAL, 0)
    got = b""
    while True:
        chunk = os.read(fd, 256)
        if not chunk:
            break
        got += chunk
    os.close(fd)
    return t1, wall1, got

def reap(pid):
    """wait4: returns (exit status, peak RSS of the process in KiB)."""
    _, status, rusage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), rusage.ru_maxrss


def timed(argv, stdin_path=None, stdout=None, stderr=None):
    """Runs argv to completion. Returns (seconds, exit code, peak RSS KiB)."""
    fd = os.open(stdin_path, os.O_RDONLY) if stdin_path else None
    try:
        t0 = time.perf_counter_ns()
        pid = spawn(argv, stdin=fd, stdout=stdout, stderr=stderr)
        code, rss = reap(pid)
        t1 = time.perf_counter_ns()
    finally:
        if fd is not None:
            os.close(fd)
    return (t1 - t0) / 1e9, code, rss


def gnu_time():
    """Path of GNU time if installed (it forks, so the peak RSS it reports is the child's own)."""
    for path in ("/usr/bin/time",):
        try:
            r = subprocess.run([path, "--version"], capture_output=True, text=True)
            if "GNU" in r.stdout + r.stderr:
                return path
        except OSError:
            pass
    return None


def peak_rss_kib(argv, scratch):
    """Peak RSS (KiB) of the process argv, or None.

    Not wait4's ru_maxrss of a process we posix_spawn: glibc spawns with vfork, and the kernel
    records the high-water RSS of the mm a process leaves at exec, which for a vforked child is
    this Python process's. GNU time forks from a small C process instead. Without it, VmHWM is
    polled from /proc while the process runs (a lower bound)."""
    gt = gnu_time()
    if gt:
        out = os.path.join(scratch, "rss.txt")
        r = subprocess.run([gt, "-f", "%M", "-o", out, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if r.returncode == 0:
            return int(open(out).read().split()[-1])
        return None
    pid = spawn(argv)
    hwm = 0
    while True:
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]))
        except OSError:
            pass
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return hwm or None
        time.sleep(0.0005)


def must(argv, **kw):
    """Runs an untimed set-up command; fails loudly."""
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"bench: command failed ({r.returncode}): {' '.join(argv)}\n{r.stdout}{r.stderr}")
    return r.stdout


def count_entries(path):
    n = 0
    with os.scandir(path) as it:
        for e in it:
            if not e.name.startswith("."):
                n += 1
    return n


def pct(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def iso_seconds(text):
    """2026-11-24T07:15:00.123456Z -> epoch seconds."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def fmt_int(x):
    return f"{x:,.0f}"


def fmt_ms(s):
    return f"{s * 1000:.2f} ms"


def fmt_mb(kib):
    return f"{kib / 1024:.1f} MB"


def human(n):
    for div, suf in ((1_000_000, "M"), (1_000, "k")):
        if n >= div and n % div == 0:
            return f"{n // div}{suf}"
    return str(n)


# ----------------------------------------------------------------------------- the bench


class Bench:
    def __init__(self, args):
        self.args = args
        self.q = os.path.abspath(args.bin)
        self.root = None
        self.rows = []      # (section, figure, measured, reference, target, verdict)
        self.notes = []     # extra lines printed after the table
        self.results = {}   # machine-readable copy
        self.jobfiles = {}
        self.children = set()   # background workers to stop if the bench fails

    # --- spools and inputs

    def qc(self, spool, *args):
        return [self.q, "--spool", spool, *args]

    def new_spool(self, name, poll_interval=None):
        spool = os.path.join(self.root, name)
        must(self.qc(spool, "status"))   # creates it (0700) outside any timing
        if poll_interval is not None:
            must(self.qc(spool, "config", "set", "poll_interval", str(poll_interval)))
        return spool

    def lines_file(self, n, line='{"command":"true"}'):
        key = (n, line)
        if key not in self.jobfiles:
            path = os.path.join(self.root, f"input-{len(self.jobfiles)}-{n}.jsonl")
            with open(path, "w") as f:
                f.write((line + "\n") * n)
            self.jobfiles[key] = path
        return self.jobfiles[key]

    def enqueue_batch(self, spool, n):
        """`enqueue -` with n lines from a file. Returns seconds."""
        secs, code, _ = timed(self.qc(spool, "enqueue", "-"), stdin_path=self.lines_file(n), stderr=self.errlog)
        if code != 0:
            sys.exit(f"bench: enqueue - of {n} jobs failed with {code}; see {self.errlog_path}")
        return secs

    def fill(self, spool, n):
        """Enqueues n jobs in batches of at most batch size. Returns list of (batch, seconds)."""
        out = []
        left = n
        while left > 0:
            b = min(left, self.args.batch)
            out.append((b, self.enqueue_batch(spool, b)))
            left -= b
            done = n - left
            if n > self.args.batch:
                log(f"  {done:,}/{n:,} enqueued ({b / out[-1][1]:,.0f} jobs/s for the last batch)")
        return out

    # --- machine

    def machine(self):
        a = self.args
        cpu = "?"
        try:
            for line in open("/proc/cpuinfo"):
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        real = os.path.realpath(self.root)
        best = ("?", "?", "?", "")
        for line in open("/proc/self/mounts"):
            dev, mnt, fstype, opts = line.split()[:4]
            mnt = mnt.replace("\\040", " ")
            if (real == mnt or real.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best[1]):
                best = (dev, mnt, fstype, opts)
        dev, mnt, fstype, opts = best
        journal = ""
        if fstype == "ext4":
            try:
                jt = open(f"/sys/fs/ext4/{os.path.basename(os.path.realpath(dev))}/journal_task").read().strip()
                journal = ", no journal" if jt in ("<none>", "") else ", journal"
            except OSError:
                pass
        size = os.path.getsize(self.q)
        linkage = "?"
        if shutil.which("ldd"):
            r = subprocess.run(["ldd", self.q], capture_output=True, text=True)
            if "not a dynamic executable" in (r.stdout + r.stderr):
                linkage = "fully static executable"
            else:
                linkage = "dynamic Swift runtime (libswiftCore.so)" if "libswiftCore" in r.stdout else "static Swift stdlib"
        version = must([self.q, "--version"]).strip().splitlines()[0]  # "queuectl X.Y.Z"; build facts follow
        load = open("/proc/loadavg").read().split()[:3]
        self.header = [
            f"queuectl benchmark, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}, "
            f"mode: {'quick' if a.quick else 'full'}",
            f"machine : {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}, "
            f"kernel {os.uname().release}",
            f"spool fs: {fstype} on {dev} mounted at {mnt} ({opts.split(',')[0]}{journal}); "
            f"spools under {self.root}",
            f"binary  : {self.q} ({size / 1e6:.1f} MB, {linkage}), {version}",
            f"load avg: {' '.join(load)} at start (other work on the machine adds noise)",
        ]
        self.results["machine"] = {"nproc": len(os.sched_getaffinity(0)), "cpu": cpu,
                                   "kernel": os.uname().release, "fs": fstype, "device": dev,
                                   "journal": journal.strip(", "), "binary_bytes": size,
                                   "linkage": linkage, "version": version}

    def floors(self):
        """Reference costs measured here and now: spawning, queuectl start-up, file creation."""
        n = self.args.startup_runs
        t0 = time.perf_counter_ns()
        for _ in range(n):
            reap(spawn(["/bin/true"]))
        true_s = (time.perf_counter_ns() - t0) / 1e9 / n
        t0 = time.perf_counter_ns()
        for _ in range(n):
            reap(spawn([self.q, "--version"]))
        version_s = (time.perf_counter_ns() - t0) / 1e9 / n
        # File creation on this disk: empty file (O_EXCL), and what one enqueued job needs at
        # least (marker + write a 400-byte file + rename into another directory), from Python.
        d = os.path.join(self.root, "fsprobe")
        os.makedirs(os.path.join(d, "a"))
        os.makedirs(os.path.join(d, "b"))
        os.makedirs(os.path.join(d, "m"))
        m = self.args.probe_files
        payload = b"x" * 400
        t0 = time.perf_counter_ns()
        for i in range(m):
            os.close(os.open(f"{d}/m/{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        create_s = (time.perf_counter_ns() - t0) / 1e9 / m
        t0 = time.perf_counter_ns()
        for i in range(m):
            fd = os.open(f"{d}/a/{i}.tmp", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, payload)
            os.close(fd)
            os.rename(f"{d}/a/{i}.tmp", f"{d}/b/{i}.json")
        job_s = (time.perf_counter_ns() - t0) / 1e9 / m
        # From posix_spawn of `/bin/sh -c 'echo >FIFO'` until that shell opens the FIFO: the floor
        # for the last part of the latency (what any runner must pay to start a shell job).
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo, 0o600)
        sh_argv = ["/bin/sh", "-c", f"echo x >{shlex.quote(fifo)}"]
        sh_open = []
        for _ in range(50):
            t0 = time.perf_counter_ns()
            pid = spawn(sh_argv)
            fd = os.open(fifo, os.O_RDONLY)
            sh_open.append((time.perf_counter_ns() - t0) / 1e9)
            while os.read(fd, 64):
                pass
            os.close(fd)
            reap(pid)
        sh_s = statistics.median(sh_open)
        self.floor = {"spawn_true_s": true_s, "sh_fifo_s": sh_s, "version_s": version_s, "create_s": create_s,
                      "job_files_s": job_s + create_s}
        self.results["floors"] = self.floor
        self.header.append(
            f"floors  : posix_spawn+wait /bin/true {fmt_ms(true_s)}; `queuectl --version` {fmt_ms(version_s)}; "
            f"spawn `sh -c 'echo >FIFO'` until it opens the FIFO {fmt_ms(sh_s)} (p50); "
            f"create empty file {create_s * 1e6:.0f} us; marker + write + rename one job file "
            f"{(job_s + create_s) * 1e6:.0f} us (Python, {m:,} files)")
        if create_s > 100e-6:
            self.header.append(
                f"WARNING : creating a file costs {create_s * 1e6:.0f} us here now (fresh ext4: ~20 us). On ext4 without a "
                f"journal the inode allocator skips inodes deleted in the last seconds to minutes (recently_deleted()), "
                f"so heavy file deletion nearby (other tests, a previous bench run's clean-up) slows every create. "
                f"Enqueue and drain figures will be pessimistic; wait a few minutes and run again.")

    # --- 3. enqueue

    def enqueue(self):
        a = self.args
        log(f"enqueue: {a.single:,} one-at-a-time CLI calls")
        spool = self.new_spool("enqueue-single")
        argv = self.qc(spool, "enqueue", "--command", "true")
        for _ in range(10):   # warm the page cache for the binary
            reap(spawn(argv, stderr=self.errlog))
        t0 = time.perf_counter_ns()
        for _ in range(a.single):
            pid = spawn(argv, stderr=self.errlog)
            code, _ = reap(pid)
            if code != 0:
                sys.exit(f"bench: enqueue failed ({code}); see {self.errlog_path}")
        secs = (time.perf_counter_ns() - t0) / 1e9
        single_rate = a.single / secs
        self.results["enqueue_single"] = {"jobs": a.single, "seconds": secs, "jobs_per_s": single_rate}
        self.rows.append(("3", f"enqueue one at a time (CLI, durable), {a.single:,} sequential",
                          f"{fmt_int(single_rate)} jobs/s ({fmt_ms(secs / a.single)} each)",
                          f"--version {fmt_ms(self.floor['version_s'])}",
                          ">= 700 jobs/s", single_rate >= 700))

        n = a.batch_jobs
        log(f"enqueue: `enqueue -` with {n:,} lines")
        spool = self.new_spool(f"scale-{human(n)}")
        secs = self.enqueue_batch(spool, n)
        rate = n / secs
        self.batch_spool = (n, spool)
        floor_rate = 1 / self.floor["job_files_s"]
        self.results["enqueue_batch"] = {"jobs": n, "seconds": secs, "jobs_per_s": rate}
        self.rows.append(("3", f"enqueue - with {n:,} JSON lines (durable)",
                          f"{fmt_int(rate)} jobs/s ({secs * 1e6 / n:.0f} us/job)",
                          f"file floor {fmt_int(floor_rate)}/s",
                          ">= 50,000 jobs/s", rate >= 50_000))

    # --- 1. drain ratio against xargs -P2

    def xargs(self, n):
        """Seconds for `xargs -P2 -n1 /bin/sh -c` to run `true` n times."""
        path = os.path.join(self.root, f"true-{n}.txt")
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write("true\n" * n)
        secs, code, _ = timed(["/usr/bin/env", "xargs", "-P2", "-n1", "/bin/sh", "-c"], stdin_path=path)
        if code != 0:
            sys.exit(f"bench: xargs failed ({code})")
        return secs

    def drain(self):
        a = self.args
        n = a.drain_jobs
        spools = []
        for rep in range(a.reps):
            spools.append(self.new_spool(f"drain-{rep}"))
            self.enqueue_batch(spools[-1], n)
        xs, qs = [], []
        for rep in range(a.reps):   # alternate, so that both see the same background load
            log(f"drain {rep + 1}/{a.reps}: xargs -P2 -n1 /bin/sh -c, {n:,} x true")
            xs.append(self.xargs(n))
            log(f"drain {rep + 1}/{a.reps}: queuectl worker start --count 2 --exit-when-idle, {n:,} jobs")
            secs, code, _ = timed(self.qc(spools[rep], "worker", "start", "--count", "2", "--exit-when-idle"),
                                  stderr=self.errlog)
            done = count_entries(os.path.join(spools[rep], "completed"))
            if code != 0 or done != n:
                sys.exit(f"bench: worker exited {code} with {done}/{n} completed; see {self.errlog_path}")
            qs.append(secs)
            log(f"drain {rep + 1}/{a.reps}: xargs {n / xs[-1]:,.0f} jobs/s, queue {n / qs[-1]:,.0f} jobs/s")
        x, q = min(xs), min(qs)
        ratio = x / q
        pairs = [xx / qq for xx, qq in zip(xs, qs)]
        self.results["drain"] = {"jobs": n, "xargs_s": xs, "queue_s": qs, "ratio_best": ratio, "ratio_pairs": pairs}
        self.rows.append(("1", f"drain {n:,} x `true`, worker --count 2 (best of {a.reps})",
                          f"{fmt_int(n / q)} jobs/s = {ratio:.2f} x xargs",
                          f"xargs -P2 {fmt_int(n / x)} jobs/s",
                          ">= 0.90 x xargs", ratio >= 0.9))
        self.notes.append("drain runs, alternating (s): xargs " + ", ".join(f"{v:.2f}" for v in xs)
                          + "; queue " + ", ".join(f"{v:.2f}" for v in qs)
                          + "; ratio per pair " + ", ".join(f"{v:.2f}" for v in pairs)
                          + f"; best per job: queue {q / n * 1e3:.3f} ms, xargs {x / n * 1e3:.3f} ms")

    # --- 4. latency

    def latency(self):
        a = self.args
        n = a.latency_jobs
        log(f"latency: {n} jobs into an idle worker (poll_interval 5 s)")
        spool = self.new_spool("latency", poll_interval=5)
        fifo = os.path.join(self.root, "latency.fifo")
        os.mkfifo(fifo, 0o600)
        worker = spawn(self.qc(spool, "worker", "start", "--count", "2"), stderr=self.errlog)
        self.children.add(worker)
        deadline = time.time() + 10
        while not any(e.endswith(".json") for e in os.listdir(os.path.join(spool, "workers"))):
            if time.time() > deadline:
                sys.exit("bench: latency worker did not register")
            time.sleep(0.01)
        time.sleep(0.5)
        command = f"echo $QUEUECTL_JOB_ID >{shlex.quote(fifo)}"
        argv = self.qc(spool, "enqueue", "--command", command)

        def on_alarm(signum, frame):
            raise TimeoutError("job did not start within 10 s")
        old = signal.signal(signal.SIGALRM, on_alarm)
        total, cli, ids = [], [], []
        try:
            for i in range(n + 3):
                r, w = os.pipe()
                t0 = time.perf_counter_ns()
                pid = spawn(argv, stdout=w, stderr=self.errlog)
                os.close(w)
                t1, wall1, got = wait_on_fifo(fifo)
                code, _ = reap(pid)
                t2 = time.perf_counter_ns()
                out = b""
                while True:
                    chunk = os.read(r, 256)
                    if not chunk:
                        break
                    out += chunk
                os.close(r)
                job_id = out.decode().strip()
                if code != 0 or got.decode().strip() != job_id:
                    sys.exit(f"bench: latency job mismatch: enqueue exit {code}, id {job_id!r}, job said {got!r}")
                if i >= 3:   # the first few warm the caches
                    total.append((t1 - t0) / 1e9)
                    cli.append((t2 - t0) / 1e9)
                    ids.append((job_id, t0, t1, wall1))
                time.sleep(a.latency_gap)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        os.kill(worker, signal.SIGTERM)
        reap(worker)
        self.children.discard(worker)
        # Split each latency with the job's own timestamps: created_at is the `now` that
        # `enqueue` reads once it has started, started_at the `now` of the worker's loop turn
        # that claimed it (right after its wake-up).
        startup, enq_work, worker_part = [], [], []
        for job_id, t0, t1, wall1 in ids:
            with open(os.path.join(spool, "completed", job_id + ".json")) as f:
                job = json.load(f)
            created, started = iso_seconds(job["created_at"]), iso_seconds(job["started_at"])
            spawn_wall = wall1 / 1e9 - (t1 - t0) / 1e9
            startup.append(created - spawn_wall)
            enq_work.append(started - created)
            worker_part.append(wall1 / 1e9 - started)
        p50, p99 = pct(total, 50), pct(total, 99)
        self.results["latency"] = {"jobs": n, "p50_s": p50, "p99_s": p99, "cli_wall_p50_s": pct(cli, 50),
                                   "split_p50_s": [pct(startup, 50), pct(enq_work, 50), pct(worker_part, 50)]}
        self.rows.append(("4", f"latency enqueue -> job start, idle worker, {n} jobs",
                          f"p50 {fmt_ms(p50)}, p99 {fmt_ms(p99)}",
                          f"--version {fmt_ms(self.floor['version_s'])} + sh {fmt_ms(self.floor['sh_fifo_s'])}",
                          "p50 <= 3 ms", p50 <= 0.003))
        self.notes.append(f"latency: the `enqueue` process itself took p50 {fmt_ms(pct(cli, 50))} (it fsyncs "
                          f"pending/ and ids/ after the rename that makes the job visible)")
        self.notes.append(
            f"latency split, p50 of each part: `enqueue` start-up until it reads the clock {fmt_ms(pct(startup, 50))}; "
            f"-> worker wakes and claims (marker, write, fsync, rename, inotify) {fmt_ms(pct(enq_work, 50))}; "
            f"-> job's shell runs (claim rewrite, thread, posix_spawn, sh start-up) {fmt_ms(pct(worker_part, 50))}")

    # --- 2, 5, 6. scale: per-job drain, inspection and memory at each size

    def scale(self):
        a = self.args
        per_job = {}
        for size in a.sizes:
            name = f"scale-{human(size)}"
            if getattr(self, "batch_spool", None) and self.batch_spool[0] == size:
                spool = self.batch_spool[1]
                log(f"scale {human(size)}: reusing the spool of the `enqueue -` figure")
            else:
                spool = self.new_spool(name)
                log(f"scale {human(size)}: enqueueing {size:,} jobs in batches of {a.batch:,}")
                batches = self.fill(spool, size)
                if size >= 1_000_000 or size == max(a.sizes):
                    b, s = batches[-1]
                    self.notes.append(f"filling {human(size)}: {sum(s for _, s in batches):.0f} s in all; "
                                      f"last batch ({b:,} jobs on top of {size - b:,}) {b / s:,.0f} jobs/s")
            pending = count_entries(os.path.join(spool, "pending"))
            if pending != size:
                sys.exit(f"bench: {spool} has {pending} pending, expected {size}")
            insp = self.inspect(spool, size)
            ref_n = a.scale_ref_jobs
            log(f"scale {human(size)}: load reference, xargs -P2 x {ref_n:,}")
            ref = self.xargs(ref_n) / ref_n
            drained = self.sample_drain(spool, size)
            drained["xargs_ref_s"] = ref
            per_job[size] = drained
            self.results.setdefault("scale", {})[size] = {**drained, **insp}
        base = per_job[a.sizes[0]]
        top = a.sizes[-1]
        for size in a.sizes:
            d = per_job[size]
            rel = d["per_job_s"] / base["per_job_s"]
            # The same ratio with each figure divided by an xargs run made just before it: this
            # cancels most of the drift in background load between the sizes.
            norm = (d["per_job_s"] / d["xargs_ref_s"]) / (base["per_job_s"] / base["xargs_ref_s"])
            d["relative"], d["relative_load_corrected"] = rel, norm
            is_top = size == top and size != a.sizes[0]
            self.rows.append(("2", f"drain per job, first {d['sample']:,} of {human(size)} pending",
                              f"{fmt_ms(d['per_job_s'])} = {rel:.2f} x {human(a.sizes[0])} (load-corr. {norm:.2f} x)",
                              f"xargs {fmt_ms(d['xargs_ref_s'])}; steady {fmt_ms(d['steady_s'])}; "
                              f"1st job after {d['first_s']:.2f} s",
                              f"<= 1.30 x {human(a.sizes[0])}" if is_top else "",
                              (norm <= 1.3) if is_top else None))
        r = self.results["scale"]
        for size in (top,):
            self.rows.append(("5", f"status with {human(size)} jobs",
                              f"{r[size]['status_s']:.3f} s", f"max of {a.inspect_runs}: {r[size]['status_max_s']:.3f} s",
                              "< 1 s", r[size]["status_max_s"] < 1))
            self.rows.append(("5", f"list --state pending --limit 20 with {human(size)} jobs",
                              f"{r[size]['list_s']:.3f} s", f"max of {a.inspect_runs}: {r[size]['list_max_s']:.3f} s",
                              "< 1 s", r[size]["list_max_s"] < 1))
        for what, key in (("worker", "worker_rss_kib"), ("status", "status_rss_kib"), ("list --limit 20", "list_rss_kib")):
            vals = [r[s][key] for s in a.sizes]
            flat = vals[-1] <= 1.3 * vals[0] + 2048
            ok = max(vals) < 30 * 1024 and flat
            self.rows.append(("6", f"peak RSS {what} at " + " / ".join(human(s) for s in a.sizes),
                              " / ".join(fmt_mb(v) for v in vals),
                              "flat" if flat else f"grows {vals[-1] / vals[0]:.1f} x",
                              "< 30 MB, flat" if what != "list --limit 20" else "", ok if what != "list --limit 20" else None))

    def inspect(self, spool, size):
        a = self.args
        out = {}
        for key, args in (("status", ["status"]), ("list", ["list", "--state", "pending", "--limit", "20"])):
            times = []
            for _ in range(a.inspect_runs):
                secs, code, _ = timed(self.qc(spool, *args), stderr=self.errlog)
                if code != 0:
                    sys.exit(f"bench: {key} failed ({code}); see {self.errlog_path}")
                times.append(secs)
            out[f"{key}_s"] = statistics.median(times)
            out[f"{key}_max_s"] = max(times)
            out[f"{key}_rss_kib"] = peak_rss_kib(self.qc(spool, *args), self.root) or 0
        log(f"scale {human(size)}: status {out['status_s']:.3f} s, list {out['list_s']:.3f} s")
        return out

    def sample_drain(self, spool, size):
        """Runs a worker (--count 2) until `sample` jobs ended, reading its own `end` lines, then SIGTERM."""
        a = self.args
        n = min(a.sample, size)
        warm = max(1, n // 20)
        log(f"scale {human(size)}: draining the first {n:,} jobs with worker --count 2")
        r, w = os.pipe()
        t0 = time.perf_counter_ns()
        pid = spawn(self.qc(spool, "worker", "start", "--count", "2"), stdout=w, stderr=self.errlog)
        self.children.add(pid)
        os.close(w)
        ends = 0
        t_first = t_warm = t_n = None
        hwm = None
        rest = b""
        while True:
            chunk = os.read(r, 1 << 16)
            now = time.perf_counter_ns()
            if not chunk:
                break
            data = rest + chunk
            lines = data.split(b"\n")
            rest = lines.pop()
            if t_n is None:
                for line in lines:
                    parts = line.split(b" ", 2)
                    if len(parts) > 1 and parts[1] == b"end":
                        ends += 1
                        if ends == 1:
                            t_first = now
                        if ends == warm:
                            t_warm = now
                        if ends == n:
                            t_n = now
                            try:
                                for l in open(f"/proc/{pid}/status"):
                                    if l.startswith("VmHWM:"):
                                        hwm = int(l.split()[1])
                            except OSError:
                                pass
                            os.kill(pid, signal.SIGTERM)
                            break
        os.close(r)
        code, _ = reap(pid)   # (ru_maxrss is not usable here: see peak_rss_kib)
        self.children.discard(pid)
        if t_n is None:
            sys.exit(f"bench: the worker ended after {ends} of {n} jobs (exit {code}); see {self.errlog_path}")
        res = {"sample": n, "per_job_s": (t_n - t0) / 1e9 / n,
               "steady_s": (t_n - t_warm) / 1e9 / (n - warm) if n > warm else float("nan"),
               "first_s": (t_first - t0) / 1e9, "worker_rss_kib": hwm or 0}
        log(f"scale {human(size)}: {fmt_ms(res['per_job_s'])} per job (first job after {fmt_ms(res['first_s'])}), "
            f"worker peak RSS {fmt_mb(res['worker_rss_kib'])}")
        return res

    # --- report

    def report(self):
        lines = list(self.header)
        lines.append("")
        head = ("#", "figure", "measured", "reference (same run)", "target", "")
        table = [head] + [(s, f, m, ref, t, "" if v is None else ("ok" if v else "MISSED")) for s, f, m, ref, t, v in self.rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(head))]
        for k, row in enumerate(table):
            lines.append("  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.append("")
        lines.extend(self.notes)
        load = open("/proc/loadavg").read().split()[:3]
        lines.append(f"load avg at end: {' '.join(load)}; total time {time.time() - self.started:.0f} s")
        text = "\n".join(lines)
        print(text, flush=True)
        outdir = self.args.out
        if outdir:
            os.makedirs(outdir, exist_ok=True)
            stamp = time.strftime("%Y%m%dT%H%M%S")
            mode = "quick" if self.args.quick else "full"
            with open(os.path.join(outdir, f"{stamp}-{mode}.txt"), "w") as f:
                f.write(text + "\n")
            with open(os.path.join(outdir, f"{stamp}-{mode}.json"), "w") as f:
                json.dump({"rows": self.rows, "results": self.results}, f, indent=1, default=str)

    def run(self):
        a = self.args
        self.started = time.time()
        os.makedirs(a.tmp, exist_ok=True)
        try:
            # EXT4_TOPDIR_FL: ext4 then places each run's directory in a fresh block group, away
            # from groups full of recently deleted inodes (see README: "File creation cost").
            subprocess.run(["chattr", "+T", a.tmp], capture_output=True)
        except OSError:
            pass
        self.root = os.path.join(os.path.abspath(a.tmp), f"run-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
        os.makedirs(self.root)
        self.errlog_path = os.path.join(self.root, "stderr.log")
        self.errlog = os.open(self.errlog_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            self.machine()
            log("\n".join(self.header))
            before = len(self.header)
            self.floors()
            log("\n".join(self.header[before:]))
            steps = a.only.split(",") if a.only else ["enqueue", "drain", "latency", "scale"]
            for step in steps:
                getattr(self, step)()
            self.rows.sort(key=lambda r: r[0])
            self.report()
        finally:
            for pid in self.children:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except OSError:
                    pass
            if a.keep:
                log(f"kept {self.root}")
            else:
                log(f"removing {self.root}")
                shutil.rmtree(self.root, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description="queuectl benchmark (issue 5); see bench/README.md")
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    p.add_argument("--quick", action="store_true", help="small sizes for development (about a minute)")
    p.add_argument("--bin", default=os.path.join(repo, ".build", "release", "queuectl"), help="queuectl binary")
    p.add_argument("--tmp", default=os.environ.get("QUEUECTL_BENCH_TMP", os.path.join(os.path.dirname(repo), "bench-tmp")),
                   help="where the spools go (same disk as production; default ../bench-tmp beside the repo, or $QUEUECTL_BENCH_TMP)")
    p.add_argument("--out", default=os.path.join(repo, "bench-out"), help="directory for a copy of the report ('' for none)")
    p.add_argument("--only", help="comma-separated steps: enqueue,drain,latency,scale")
    p.add_argument("--keep", action="store_true", help="keep the spools")
    p.add_argument("--sizes", help="comma-separated queue sizes for figures 2, 5, 6 (default 10000,100000,1000000)")
    p.add_argument("--sample", type=int, help="jobs drained from each size (default 10000: the worker's candidate window, so one full scan per sample)")
    p.add_argument("--reps", type=int, help="repetitions of the drain ratio, alternating xargs and queue (default 3, best kept)")
    a = p.parse_args()
    q = a.quick
    a.sizes = [int(x) for x in a.sizes.split(",")] if a.sizes else ([1000, 10_000] if q else [10_000, 100_000, 1_000_000])
    a.sample = a.sample or (1000 if q else 10_000)
    a.reps = a.reps or (1 if q else 3)
    a.drain_jobs = 2000 if q else 10_000
    a.scale_ref_jobs = 1000 if q else 2000
    a.single = 200 if q else 1000
    a.batch_jobs = 10_000 if q else 100_000
    a.batch = 100_000
    a.latency_jobs = 50 if q else 200
    a.latency_gap = 0.02
    a.inspect_runs = 3
    a.startup_runs = 100 if q else 300
    a.probe_files = 2000 if q else 10_000
    if not os.access(a.bin, os.X_OK):
        sys.exit(f"bench: no binary at {a.bin}; build with: swift build -c release -Xswiftc -static-executable")
    Bench(a).run()


if __name__ == "__main__":
    main()
