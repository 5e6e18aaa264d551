#!/usr/bin/env python3
"""queuectl side by side with nq, tsp and the floors (issue 12). Python 3 standard library only.

    bench/run.sh --side-by-side            # full: 2,000-job drains, 100k batch, 10k vs 1M scale
    bench/run.sh --side-by-side --quick    # small sizes, under about 2 minutes

One interleaved run: every round measures every system, and the order of the systems is rotated
from one round to the next, so that a drift in background load touches all of them alike.
How each system is driven is printed with the report and described in bench/README.md.
"""

import argparse
import fcntl
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B   # noqa: E402  (the issue-5 bench: helpers, floors, the scale section)

DEVNULL_W = B.DEVNULL_W


def spawn_env(argv, env, stdout=None, stderr=None):
    return B.spawn(argv, stdout=stdout, stderr=stderr, env=env)


def run_wait(argv, env=None, stdout=None, stderr=None):
    code, _ = B.reap(B.spawn(argv, stdout=stdout, stderr=stderr, env=env))
    return code


class Gate:
    """An exclusive flock the bench holds; blocker jobs run `flock -s FILE true` and end when it is released."""

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def blocker(self):
        return ["/usr/bin/flock", "-s", self.path, "true"]

    def release(self):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


class System:
    """One contender. enqueue(n): n CLI calls, one job each, none run meanwhile; returns seconds.
    drain_after(): runs what enqueue() left; seconds. drain(n): n `true` jobs with 2 slots; seconds.
    latency(fifo, token): starts a job `echo token >fifo` (the bench then blocks in open(fifo))."""
    name = "?"
    how = ""

    def __init__(self, cmp, rnd):
        self.c, self.rnd = cmp, rnd
        self.dir = os.path.join(cmp.root, f"{self.key}-{rnd}")
        os.makedirs(self.dir)

    def close(self):
        pass


class Queuectl(System):
    key, name = "queuectl", "queuectl"
    how = ("queuectl (static build): enqueue = `queuectl enqueue --command true` per call into a spool without a "
           "worker; drain = `enqueue -` of N lines (not timed), then `worker start --count 2 --exit-when-idle` "
           "timed from spawn to exit; latency = idle `worker start --count 2` (poll_interval 5 s, so inotify), "
           "`queuectl enqueue --command 'echo T >FIFO'`")

    def qc(self, spool, *a):
        return [self.c.q, "--spool", spool, *a]

    def spool(self, name, poll=None):
        s = os.path.join(self.dir, name)
        B.must(self.qc(s, "status"))
        if poll is not None:
            B.must(self.qc(s, "config", "set", "poll_interval", str(poll)))
        return s

    def enqueue(self, n):
        self.esp = self.spool("enq")
        argv = self.qc(self.esp, "enqueue", "--command", "true")
        t0 = time.perf_counter_ns()
        for _ in range(n):
            if run_wait(argv, stderr=self.c.errlog) != 0:
                sys.exit(f"bench: queuectl enqueue failed; see {self.c.errlog_path}")
        return (time.perf_counter_ns() - t0) / 1e9

    def _work(self, spool, n):
        t0 = time.perf_counter_ns()
        code = run_wait(self.qc(spool, "worker", "start", "--count", "2", "--exit-when-idle"), stderr=self.c.errlog)
        secs = (time.perf_counter_ns() - t0) / 1e9
        done = B.count_entries(os.path.join(spool, "completed"))
        if code != 0 or done != n:
            sys.exit(f"bench: queuectl worker exited {code} with {done}/{n} completed; see {self.c.errlog_path}")
        return secs

    def drain_after(self, n):
        return self._work(self.esp, n)

    def drain(self, n):
        s = self.spool("drain")
        fd = os.open(self.c.lines(n), os.O_RDONLY)
        code, _ = B.reap(B.spawn(self.qc(s, "enqueue", "-"), stdin=fd, stderr=self.c.errlog))
        os.close(fd)
        if code != 0:
            sys.exit("bench: queuectl enqueue - failed")
        return self._work(s, n)

    def batch(self, n):
        s = self.spool("batch")
        fd = os.open(self.c.lines(n), os.O_RDONLY)
        t0 = time.perf_counter_ns()
        code, _ = B.reap(B.spawn(self.qc(s, "enqueue", "-"), stdin=fd, stderr=self.c.errlog))
        secs = (time.perf_counter_ns() - t0) / 1e9
        os.close(fd)
        if code != 0:
            sys.exit("bench: queuectl enqueue - failed")
        shutil.rmtree(s, ignore_errors=True)
        return secs

    def latency_start(self):
        self.lsp = self.spool("lat", poll=5)
        self.worker = B.spawn(self.qc(self.lsp, "worker", "start", "--count", "2"), stderr=self.c.errlog)
        self.c.children.add(self.worker)
        deadline = time.time() + 10
        while not any(e.endswith(".json") for e in os.listdir(os.path.join(self.lsp, "workers"))):
            if time.time() > deadline:
                sys.exit("bench: latency worker did not register")
            time.sleep(0.01)
        time.sleep(0.3)

    def latency(self, fifo, token):
        return B.spawn(self.qc(self.lsp, "enqueue", "--command", f"echo {token} >{fifo}"), stderr=self.c.errlog)

    def latency_stop(self):
        os.kill(self.worker, signal.SIGTERM)
        B.reap(self.worker)
        self.c.children.discard(self.worker)


class Nq(System):
    key, name = "nq", "nq"
    how = ("nq: nq has no slots and no daemon: each `nq` call forks a process that waits (flock) until every "
           "earlier job of its NQDIR has ended, then execs the job. Two slots = two NQDIRs, jobs alternating. "
           "Each NQDIR starts with a blocker job (`nq flock -s GATE true`) so nothing runs while jobs are "
           "enqueued; enqueue = `NQDIR=d nq -q sh -c true` per call; drain = from releasing the gate until "
           "`nq -w` (waits for all jobs) returned in both NQDIRs; latency = idle NQDIR, `nq -q sh -c 'echo T >FIFO'`. "
           "nq keeps one log file per job (its design)")

    def env(self, d):
        e = dict(os.environ)
        e["NQDIR"] = d
        return e

    def _queue(self, n, timed):
        self.gate = Gate(os.path.join(self.dir, f"gate-{time.perf_counter_ns()}"))
        self.dirs = [os.path.join(self.dir, f"q{time.perf_counter_ns()}-{i}") for i in (0, 1)]
        envs = [self.env(d) for d in self.dirs]
        for e in envs:
            os.makedirs(e["NQDIR"])
            if run_wait(["/usr/bin/nq", "-q", *self.gate.blocker()], env=e) != 0:
                sys.exit("bench: nq failed")
        argv = ["/usr/bin/nq", "-q", "/bin/sh", "-c", "true"]
        t0 = time.perf_counter_ns()
        for i in range(n):
            if run_wait(argv, env=envs[i % 2], stderr=self.c.errlog) != 0:
                sys.exit("bench: nq failed")
        return (time.perf_counter_ns() - t0) / 1e9

    def _run(self):
        t0 = time.perf_counter_ns()
        self.gate.release()
        for d in self.dirs:
            if run_wait(["/usr/bin/nq", "-w"], env=self.env(d)) != 0:
                sys.exit("bench: nq -w failed")
        return (time.perf_counter_ns() - t0) / 1e9

    def enqueue(self, n):
        return self._queue(n, True)

    def drain_after(self, n):
        return self._run()

    def drain(self, n):
        self._queue(n, False)
        return self._run()

    def latency_start(self):
        self.lenv = self.env(os.path.join(self.dir, "lat"))
        os.makedirs(self.lenv["NQDIR"])

    def latency(self, fifo, token):
        return B.spawn(["/usr/bin/nq", "-q", "/bin/sh", "-c", f"echo {token} >{fifo}"], env=self.lenv,
                       stderr=self.c.errlog)

    def latency_stop(self):
        run_wait(["/usr/bin/nq", "-w"], env=self.lenv)


class Tsp(System):
    key, name = "tsp", "tsp"
    how = ("tsp (task-spooler): one server per round (own TS_SOCKET, TMPDIR in the run's directory, "
           "TS_MAXFINISHED 100000), `tsp -S 2`; jobs `tsp sh -c true`, output kept in a file (tsp's default, "
           "as queuectl keeps a log). Each queued job is a waiting `tsp` client and the server accepts at most "
           "1,000 of them, so: enqueue = two blocker jobs (`flock -s GATE true`) hold both slots while the jobs "
           "are queued; drain of N = N `tsp` calls while the jobs run as they arrive, timed until `tsp -w` "
           "of the last two returned (enqueue included, as in the issue); latency = idle server, "
           "`tsp sh -c 'echo T >FIFO'`")

    def __init__(self, cmp, rnd):
        super().__init__(cmp, rnd)
        self.envd = dict(os.environ)
        self.envd.update(TS_SOCKET=os.path.join(self.dir, "ts.sock"), TMPDIR=self.dir, TS_MAXFINISHED="100000")
        if run_wait(["/usr/bin/tsp", "-S", "2"], env=self.envd) != 0:
            sys.exit("bench: tsp -S 2 failed")

    def add(self, argv, capture=False):
        if not capture:
            if run_wait(["/usr/bin/tsp", *argv], env=self.envd, stderr=self.c.errlog) != 0:
                sys.exit("bench: tsp failed")
            return None
        r = subprocess.run(["/usr/bin/tsp", *argv], env=self.envd, capture_output=True, text=True)
        return r.stdout.strip()

    def wait(self, ids):
        for i in ids:
            run_wait(["/usr/bin/tsp", "-w", i], env=self.envd)

    def enqueue(self, n):
        self.gate = Gate(os.path.join(self.dir, "gate"))
        self.add(self.gate.blocker())
        self.add(self.gate.blocker())
        t0 = time.perf_counter_ns()
        for _ in range(n):
            self.add(["/bin/sh", "-c", "true"])
        secs = (time.perf_counter_ns() - t0) / 1e9
        self.last = [self.add(["/bin/sh", "-c", "true"], capture=True) for _ in range(2)]
        return secs

    def drain_after(self, n):
        t0 = time.perf_counter_ns()
        self.gate.release()
        self.wait(self.last)
        return (time.perf_counter_ns() - t0) / 1e9

    def drain(self, n):
        t0 = time.perf_counter_ns()
        for _ in range(n - 2):
            self.add(["/bin/sh", "-c", "true"])
        last = [self.add(["/bin/sh", "-c", "true"], capture=True) for _ in range(2)]
        self.wait(last)
        return (time.perf_counter_ns() - t0) / 1e9

    def latency_start(self):
        pass

    def latency(self, fifo, token):
        return B.spawn(["/usr/bin/tsp", "/bin/sh", "-c", f"echo {token} >{fifo}"], env=self.envd, stderr=self.c.errlog)

    def latency_stop(self):
        pass

    def close(self):
        run_wait(["/usr/bin/tsp", "-K"], env=self.envd)


class Floor(System):
    key, name = "floor", "floors"
    how = ("floors: enqueue = posix_spawn+wait of /bin/true per call; drain = `xargs -P2 -n1 /bin/sh -c` "
           "fed N lines `true`; latency = posix_spawn of `/bin/sh -c 'echo T >FIFO'` directly")

    def enqueue(self, n):
        t0 = time.perf_counter_ns()
        for _ in range(n):
            run_wait(["/bin/true"])
        return (time.perf_counter_ns() - t0) / 1e9

    def drain_after(self, n):
        return None

    def drain(self, n):
        path = os.path.join(self.dir, "true.txt")
        with open(path, "w") as f:
            f.write("true\n" * n)
        secs, code, _ = B.timed(["/usr/bin/xargs", "-P2", "-n1", "/bin/sh", "-c"], stdin_path=path)
        if code != 0:
            sys.exit("bench: xargs failed")
        return secs

    def latency_start(self):
        pass

    def latency(self, fifo, token):
        return B.spawn(["/bin/sh", "-c", f"echo {token} >{fifo}"])

    def latency_stop(self):
        pass


ALL = [Queuectl, Nq, Tsp, Floor]


class Compare:
    def __init__(self, a):
        self.a = a
        self.q = os.path.abspath(a.bin)
        self.children = set()
        self.inputs = {}

    def lines(self, n):
        if n not in self.inputs:
            p = os.path.join(self.root, f"lines-{n}.jsonl")
            with open(p, "w") as f:
                f.write('{"command":"true"}\n' * n)
            self.inputs[n] = p
        return self.inputs[n]

    def measure_latency(self, sysobj, m):
        fifo = os.path.join(sysobj.dir, "lat.fifo")
        os.mkfifo(fifo, 0o600)
        sysobj.latency_start()
        out = []

        def on_alarm(signum, frame):
            raise TimeoutError(f"{sysobj.name}: job did not start within 10 s")
        old = signal.signal(signal.SIGALRM, on_alarm)
        try:
            for i in range(m + 2):
                token = f"t{self.round}x{i}"
                t0 = time.perf_counter_ns()
                pid = sysobj.latency(fifo, token)
                t1, _, got = B.wait_on_fifo(fifo)   # returns when the job's shell opens the FIFO
                B.reap(pid)
                if got.decode().strip() != token:
                    sys.exit(f"bench: {sysobj.name} latency: expected {token!r}, job wrote {got!r}")
                if i >= 2:   # two warm-up jobs per round
                    out.append((t1 - t0) / 1e9)
                time.sleep(self.a.latency_gap)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        sysobj.latency_stop()
        return out

    def present(self):
        out, missing = [], []
        for cls in ALL:
            need = {"nq": "/usr/bin/nq", "tsp": "/usr/bin/tsp"}.get(cls.key)
            if need and not os.access(need, os.X_OK):
                missing.append(f"{cls.name}: {need} not found (Debian package "
                               f"{'nq' if cls.key == 'nq' else 'task-spooler'}); measured without it")
                continue
            out.append(cls)
        if not shutil.which("flock"):
            sys.exit("bench: flock (util-linux) is needed for the blocker jobs")
        return out, missing

    def run(self):
        a = self.a
        started = time.time()
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        os.makedirs(a.tmp, exist_ok=True)
        subprocess.run(["chattr", "+T", a.tmp], capture_output=True)
        self.root = os.path.join(os.path.abspath(a.tmp), f"cmp-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
        os.makedirs(self.root)
        self.errlog_path = os.path.join(self.root, "stderr.log")
        self.errlog = os.open(self.errlog_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        systems, missing = self.present()
        for m in missing:
            B.log("MISSING " + m)
        # The issue-5 bench object: header (machine, floors) and the scale section.
        ba = argparse.Namespace(**vars(a))
        bb = B.Bench(ba)
        bb.root, bb.errlog, bb.errlog_path, bb.children = self.root, self.errlog, self.errlog_path, self.children
        res = {cls.key: {"enq": [], "drain_after": [], "drain": [], "lat": [], "batch": []} for cls in systems}
        order_log = []
        try:
            bb.machine()
            bb.floors()
            B.log("\n".join(bb.header))
            for rnd in range(a.rounds):
                self.round = rnd
                k = rnd % len(systems)
                order = systems[k:] + systems[:k]
                order_log.append(" ".join(c.name for c in order))
                B.log(f"round {rnd + 1}/{a.rounds}: order {order_log[-1]}")
                for cls in order:
                    s = cls(self, rnd)
                    try:
                        r = res[cls.key]
                        e = s.enqueue(a.enqueue_jobs)
                        r["enq"].append(e)
                        da = s.drain_after(a.enqueue_jobs)
                        if da is not None:
                            r["drain_after"].append(da)
                        d = s.drain(a.drain_jobs)
                        r["drain"].append(d)
                        r["lat"].extend(self.measure_latency(s, a.latency_jobs))
                        if cls is Queuectl:
                            r["batch"].append(s.batch(a.batch_jobs))
                        B.log(f"  {cls.name:8s} enqueue {a.enqueue_jobs / e:7,.0f}/s  drain {a.drain_jobs / d:7,.0f}/s"
                              f"  latency p50 {B.pct(r['lat'][-a.latency_jobs:], 50) * 1e3:.2f} ms"
                              + (f"  batch {a.batch_jobs / r['batch'][-1]:,.0f}/s" if cls is Queuectl else ""))
                    finally:
                        s.close()
                        shutil.rmtree(s.dir, ignore_errors=True)
            scale_rows = []
            if not a.no_scale:
                bb.rows = []
                bb.notes = []
                bb.batch_spool = None
                bb.scale()
                scale_rows = bb.rows
            self.report(bb, systems, missing, res, order_log, scale_rows, started)
        finally:
            for pid in self.children:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except OSError:
                    pass
            if a.keep:
                B.log(f"kept {self.root}")
            else:
                B.log(f"removing {self.root}")
                shutil.rmtree(self.root, ignore_errors=True)

    def report(self, bb, systems, missing, res, order_log, scale_rows, started):
        a = self.a
        L = list(bb.header)
        L[0] = L[0].replace("mode: full", "mode: side-by-side full").replace("mode: quick", "mode: side-by-side quick")
        L.append(f"rounds  : {a.rounds}, order rotated: " + " | ".join(order_log))
        for m in missing:
            L.append("MISSING : " + m)
        L.append("")
        E, N = a.enqueue_jobs, a.drain_jobs
        rows = [("system", f"CLI enqueue/s ({E:,} calls, best)", f"drain {N:,} x true, 2 slots (best)",
                 f"drain of the {E:,} CLI-queued (best)", "latency p50 / p90", "batch `enqueue -`")]
        fig = {}
        for cls in systems:
            r = res[cls.key]
            f = fig[cls.key] = {
                "enq": E / min(r["enq"]), "drain": N / min(r["drain"]),
                "drain_after": E / min(r["drain_after"]) if r["drain_after"] else None,
                "p50": B.pct(r["lat"], 50), "p90": B.pct(r["lat"], 90),
                "batch": a.batch_jobs / min(r["batch"]) if r["batch"] else None}
            label = {"floor": "floors (/bin/true | xargs -P2 sh -c | direct sh -c)"}.get(cls.key, cls.name)
            rows.append((label, f"{f['enq']:,.0f}", f"{f['drain']:,.0f} jobs/s",
                         f"{f['drain_after']:,.0f} jobs/s" if f["drain_after"] else "-",
                         f"{f['p50'] * 1e3:.2f} / {f['p90'] * 1e3:.2f} ms",
                         f"{f['batch']:,.0f} jobs/s ({a.batch_jobs:,} lines)" if f["batch"] else "-"))
        L += table(rows)
        L.append("")
        q, fl = fig["queuectl"], fig["floor"]
        targets = [("ratio (issue 12 target)", "measured", "target", "")]

        def add(name, val, target, ok):
            targets.append((name, val, target, "met" if ok else "MISSED"))
        add("drain queuectl / xargs -P2", f"{q['drain'] / fl['drain']:.2f} x", ">= 0.90 x", q["drain"] / fl["drain"] >= 0.9)
        diff = (q["p50"] - fl["p50"]) * 1e3
        add("latency p50 queuectl - direct sh -c", f"+{diff:.2f} ms ({q['p50'] * 1e3:.2f} vs {fl['p50'] * 1e3:.2f})",
            "<= +2 ms", diff <= 2)
        for key, t in (("nq", 1.0), ("tsp", 0.7)):
            if key in fig:
                rr = q["enq"] / fig[key]["enq"]
                add(f"CLI enqueue queuectl / {key}", f"{rr:.2f} x", f">= {t:.1f} x", rr >= t)
        add(f"batch `enqueue -` {a.batch_jobs:,} lines", f"{q['batch']:,.0f} jobs/s", ">= 50,000 jobs/s", q["batch"] >= 50_000)
        for row in scale_rows:
            sec, figure, measured, ref, target, verdict = row
            if sec == "2" and target:
                add(f"per job {figure.split(' of ')[-1]} / first size (load-corrected)", measured, target, verdict)
            if sec == "6" and "worker" in figure:
                add(figure, measured, target, verdict)
        L += table(targets)
        L.append("")
        context = []
        for key in ("nq", "tsp"):
            if key in fig:
                context.append(f"drain {key} / xargs {fig[key]['drain'] / fl['drain']:.2f} x; "
                               f"queuectl / {key} {q['drain'] / fig[key]['drain']:.2f} x; "
                               f"latency p50 {key} - direct +{(fig[key]['p50'] - fl['p50']) * 1e3:.2f} ms")
        context.append(f"CLI enqueue queuectl / posix_spawn of /bin/true {q['enq'] / fl['enq']:.2f} x")
        L.append("context: " + "; ".join(context))
        # Per-round ratios (each round measures all systems within a minute or so of each other).
        rq, rf = res["queuectl"], res["floor"]
        per = ["drain queuectl/xargs " + ", ".join(f"{x / y:.2f}" for x, y in zip(rf["drain"], rq["drain"]))]
        for key in ("nq", "tsp"):
            if key in res:
                per.append(f"enqueue queuectl/{key} " + ", ".join(f"{x / y:.2f}" for x, y in zip(res[key]["enq"], rq["enq"])))
        L.append("per round: " + "; ".join(per))
        for key in [c.key for c in systems]:
            r = res[key]
            L.append(f"rounds {key}: enqueue s " + ", ".join(f"{v:.2f}" for v in r["enq"])
                     + "; drain s " + ", ".join(f"{v:.2f}" for v in r["drain"])
                     + (f"; batch s " + ", ".join(f"{v:.2f}" for v in r["batch"]) if r["batch"] else "")
                     + f"; latency samples {len(r['lat'])}")
        if scale_rows:
            L.append("scale section (issue 5's, reused):")
            L += ["  " + x for x in table([("#", "figure", "measured", "reference", "target", "")] +
                                         [(s, f, m, rf, t, "" if v is None else ("ok" if v else "MISSED"))
                                          for s, f, m, rf, t, v in scale_rows])]
        L.append("how each system is driven:")
        for cls in systems:
            L.append("  - " + cls.how)
        L.append("  - the latency clock starts just before posix_spawn of the enqueue command and stops when the "
                 "bench's blocking open() of a FIFO returns, i.e. when the job's shell runs its first instruction "
                 "(the redirection of `echo T >FIFO`); T is checked. 2 warm-up jobs per round are dropped; "
                 f"{a.latency_gap * 1e3:.0f} ms between jobs.")
        load = open("/proc/loadavg").read().split()[:3]
        L.append(f"load avg at end: {' '.join(load)}; total time {time.time() - started:.0f} s "
                 "(shared 2-core machine: other people's builds add noise)")
        text = "\n".join(L)
        print(text, flush=True)
        if a.out:
            os.makedirs(a.out, exist_ok=True)
            with open(os.path.join(a.out, f"{time.strftime('%Y%m%dT%H%M%S')}-side-by-side-"
                                   f"{'quick' if a.quick else 'full'}.txt"), "w") as f:
                f.write(text + "\n")


def table(rows):
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for k, r in enumerate(rows):
        out.append("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
        if k == 0:
            out.append("  ".join("-" * x for x in w))
    return out


def main():
    p = argparse.ArgumentParser(description="queuectl side by side with nq, tsp and floors (issue 12)")
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    p.add_argument("--quick", action="store_true", help="small sizes, under about 2 minutes")
    p.add_argument("--bin", default=os.path.join(repo, ".build", "release", "queuectl"))
    p.add_argument("--tmp", default=os.environ.get("QUEUECTL_BENCH_TMP", os.path.join(os.path.dirname(repo), "bench-tmp")))
    p.add_argument("--out", default=os.path.join(repo, "bench-out"))
    p.add_argument("--keep", action="store_true")
    p.add_argument("--rounds", type=int, help="rounds (default 4 full, 2 quick); the order rotates each round")
    p.add_argument("--no-scale", action="store_true", help="skip the 10k vs 1M per-job section")
    p.add_argument("--sizes", help="scale sizes (default 10000,1000000; quick 1000,10000)")
    a = p.parse_args()
    q = a.quick
    a.rounds = a.rounds or (2 if q else 4)
    a.enqueue_jobs = 200 if q else 900        # tsp holds at most 1,000 queued clients
    a.drain_jobs = 500 if q else 2000
    a.latency_jobs = 20 if q else 50
    a.latency_gap = 0.02
    a.batch_jobs = 10_000 if q else 100_000
    # for the reused issue-5 parts (floors, scale)
    a.sizes = [int(x) for x in a.sizes.split(",")] if a.sizes else ([1000, 10_000] if q else [10_000, 1_000_000])
    a.sample = 1000 if q else 10_000
    a.scale_ref_jobs = 1000 if q else 2000
    a.batch = 100_000
    a.inspect_runs = 3
    a.startup_runs = 100 if q else 300
    a.probe_files = 2000 if q else 10_000
    a.only = None
    if not os.access(a.bin, os.X_OK):
        sys.exit(f"bench: no binary at {a.bin}; build with: swift build -c release -Xswiftc -static-executable")
    Compare(a).run()


if __name__ == "__main__":
    main()
