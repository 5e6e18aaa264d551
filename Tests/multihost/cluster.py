#!/usr/bin/env python3
"""Multi-host GlusterFS harness for queuectl (issue 11). Python 3, standard library only.

Builds a cluster on this one machine: glusterd + one brick in network namespace `qcsrv`
(a bridge on a private /24), and three "hosts" qch1..qch3, each its own network namespace
(a veth to the bridge), mount namespace (the volume's FUSE mount at the SAME path on every
host), UTS namespace (hostname h1..h3) and PID namespace (a long-lived host init; killing it
kills every process of that host, while the host's FUSE client, outside the pid namespace,
lives on). A fourth FUSE client in `qcsrv` is the driver's never-partitioned view of the
volume (read through /proc/<client>/root). Then runs the scenarios (scenarios.py; their
helpers in support.py, measurements in measure.py, the cluster in hostcluster.py, process
helpers in proc.py) against the real `queuectl --queuectl PATH` and ALWAYS tears everything
down (try/finally, signal handlers, a hard overall timeout), then verifies that nothing it made
is left.

Exit status: 0 all selected scenarios passed; 1 a scenario failed (or set-up/teardown failed);
2 bad usage; 77 skipped (`SKIP multi-host test: <reason>`: not root, tools or /dev/fuse
missing, a foreign glusterd running).

Usage: cluster.py --queuectl PATH [--scenarios drain,kill,partition,latency] [--bench [N]]
                  [--flock-probe SECONDS] [--lease S] [--default-server-timeouts] (see --help)
"""
import argparse
import fcntl
import os
import shutil
import signal
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ beside the sources
from hostcluster import Cluster  # noqa: E402
from proc import FAST_SERVER_TIMEOUTS, LOCKFILE, MOUNT_OPTIONS, SCRATCH, T0, VOLUME_OPTIONS, Abort, cmdline, log  # noqa: E402


def skip(reason):
    print(f"SKIP multi-host test: {reason}", flush=True)
    sys.exit(77)


def preconditions():
    if os.geteuid() != 0:
        skip("not root (namespaces, FUSE mounts and glusterd need root)")
    missing = [t for t in ("glusterd", "glusterfs", "gluster", "ip", "nsenter", "unshare") if shutil.which(t) is None]
    if missing:
        skip(f"{', '.join(missing)} not on PATH (Debian: apt-get install glusterfs-server glusterfs-client iproute2)")
    if not os.path.exists("/dev/fuse"):
        skip("/dev/fuse is missing")
    for p in os.listdir("/proc"):
        if p.isdigit() and cmdline(p).split(" ")[0].endswith("glusterd") and SCRATCH not in cmdline(p):
            skip(f"a glusterd not started by this harness runs (pid {p}); it would share /var/lib/glusterd")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queuectl", required=True, help="the queuectl binary to test")
    ap.add_argument("--scenarios", default=None, help="comma-separated: drain,kill,partition,latency (default: all; none with --bench or --flock-probe)")
    ap.add_argument("--bench", nargs="?", const=1000, type=int, default=None, metavar="N",
                    help="drain N `true` jobs: 3 hosts on the volume vs one host on local disk (default N 1000)")
    ap.add_argument("--subnet", default="10.231.9", help="private /24 for the namespaces (default 10.231.9)")
    ap.add_argument("--timeout", type=float, default=170, help="hard overall timeout in seconds before teardown (default 170: about 70 s alone, slower beside the rest of the suite)")
    ap.add_argument("--partition-wait", type=float, default=20.0,
                    help="seconds the partition scenario waits for another host to complete the job (default 20)")
    ap.add_argument("--lease", default="2", help="the `lease` config key for the scenarios (default 2; with clock_skew 1 another host takes a job 3 s after the last heartbeat: GlusterFS's attribute cache shows another host's mtime up to ~1.1 s late)")
    ap.add_argument("--volume-option", action="append", default=[], metavar="KEY=VALUE",
                    help="an extra volume option, set before any mount (repeatable)")
    ap.add_argument("--default-server-timeouts", action="store_true",
                    help="do not lower the server's tcp-user-timeout and keepalive (a cut-off host's locks then stay ~42 s)")
    ap.add_argument("--flock-probe", type=float, default=None, metavar="SECONDS",
                    help="measure instead: how long after host 1 is cut off host 2 gets host 1's flock (wait up to SECONDS)")
    ap.add_argument("--late-note-regex", default=r"lease|lost", help="what host 1's late-finish note must match")
    args = ap.parse_args()
    qbin = os.path.abspath(args.queuectl)
    if not os.access(qbin, os.X_OK):
        print(f"error: {qbin} is not an executable", file=sys.stderr)
        return 2
    import measure, scenarios, support  # noqa: E401 - beside this file
    if not args.default_server_timeouts:
        VOLUME_OPTIONS.update(FAST_SERVER_TIMEOUTS)
    for kv in args.volume_option:
        k, _, v = kv.partition("=")
        VOLUME_OPTIONS[k] = v
    only = args.bench or args.flock_probe
    names = args.scenarios.split(",") if args.scenarios else ([] if only else list(scenarios.ALL))
    unknown = [n for n in names if n not in scenarios.ALL]
    if unknown:
        print(f"error: unknown scenario {unknown}; known: {','.join(scenarios.ALL)}", file=sys.stderr)
        return 2
    preconditions()
    for k in ("QUEUECTL_HOST", "QUEUECTL_SPOOL"):
        os.environ.pop(k, None)

    lock = open(LOCKFILE, "a+")   # not truncated before it is ours: it names the running driver
    deadline = time.monotonic() + 60
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            lock.truncate(0)
            lock.write(f"{os.getpid()}\n")   # who runs (to stop it by pid: kill -TERM PID tears down)
            lock.flush()
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                print(f"FAIL: another multi-host run holds {LOCKFILE} for over 60 s", flush=True)
                return 1
            time.sleep(0.5)

    def on_signal(sig, _frame):
        raise Abort(f"signal {signal.Signals(sig).name}")
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    def on_alarm(_sig, _frame):
        raise Abort(f"overall timeout of {args.timeout:.0f} s")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, args.timeout)
    started = time.monotonic()

    c = Cluster(args.subnet)
    results = []      # (name, ok, text)
    facts = "not probed"
    problems = []
    try:
        c.step("setup", "clean-up of an earlier run", c.clean_stale)
        c.setup()
        log(f"volume options set: {VOLUME_OPTIONS}; mount options: {MOUNT_OPTIONS}")
        for line in c.server_options():
            log(f"  volume get: {line}")
        ctx = support.Context(c, qbin, args.late_note_regex, args.lease, args.partition_wait)
        ctx.deadline = started + args.timeout
        facts = measure.fs_facts(ctx)
        for n in names:
            results.append(scenarios.run_one(ctx, n))
        if args.bench:
            results.append(scenarios.run_one(ctx, "bench", args.bench))
        if args.flock_probe:
            results.append(scenarios.run_one(ctx, "flock", args.flock_probe))
    except Abort as e:
        results.append(("run", False, f"aborted: {e}"))
    except Exception as e:  # noqa: BLE001 - reported, then teardown
        results.append(("setup", False, f"{type(e).__name__}: {e}"))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)   # the teardown runs to its end
        problems = c.teardown()
    setup_s = sum(t for p, _, t in c.times if p == "setup")
    down_s = sum(t for p, _, t in c.times if p == "teardown")
    print("\n=== multi-host summary ===")
    print(f"set-up {setup_s:.2f} s, teardown {down_s:.2f} s, whole run {time.monotonic() - T0:.1f} s")
    print(f"volume options: {VOLUME_OPTIONS}; mount options: {MOUNT_OPTIONS}")
    print(f"mount facts: {facts}")
    for name, ok, text in results:
        print(f"{'PASS' if ok else 'FAIL'} {name}: {text}")
    if problems:
        print(f"FAIL teardown: {'; '.join(problems)}")
    ok = results and all(ok for _, ok, _ in results) and not problems
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
