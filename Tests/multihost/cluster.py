#!/usr/bin/env python3
"""Multi-host GlusterFS harness for queuectl (issue 11). Python 3, standard library only.

Builds a cluster on this one machine: glusterd + one brick in network namespace `qcsrv`
(a bridge on a private /24), and three "hosts" qch1..qch3, each its own network namespace
(a veth to the bridge), mount namespace (the volume's FUSE mount at the SAME path on every
host), UTS namespace (hostname h1..h3) and PID namespace (a long-lived host init; killing it
kills every process of that host, while the host's FUSE client, outside the pid namespace,
lives on). A fourth FUSE client in `qcsrv` is the driver's never-partitioned view of the
volume (read through /proc/<client>/root). Then runs the scenarios of scenarios.py against
the real `queuectl --queuectl PATH` and ALWAYS tears everything down (try/finally, signal
handlers, a hard overall timeout), then verifies that nothing it made is left.

Exit status: 0 all selected scenarios passed; 1 a scenario failed (or set-up/teardown failed);
2 bad usage; 77 skipped (`SKIP multi-host test: <reason>`: not root, tools or /dev/fuse
missing, a foreign glusterd running).

Usage: cluster.py --queuectl PATH [--scenarios drain,kill,partition] [--bench [N]]
"""
import argparse
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time

SCRATCH = "/tmp/qc-multihost"          # fixed, so a leftover of an aborted run is found and cleaned
LOCKFILE = "/tmp/qc-multihost.lock"     # one run at a time on this machine; holds the running driver's pid
VOLUME = "qcmhvol"
SRV = "qcsrv"
BRIDGE = "qcbr0"
HOSTS = (1, 2, 3)
T0 = time.monotonic()
# Set right after create, before any mount. ping-timeout: a cut-off client's calls fail with
# ENOTCONN after 5 s (default 42). The server.* ones make the brick drop a cut-off client's
# connection, and with it that client's locks (flock of a job's log: the run lock), after about
# 3 s instead of server.tcp-user-timeout's default 42 s (measured: 42.7 s with the defaults,
# 3.0 s with these; `--default-server-timeouts` leaves them at their defaults).
VOLUME_OPTIONS = {"network.ping-timeout": "5"}
FAST_SERVER_TIMEOUTS = {"server.tcp-user-timeout": "3", "server.keepalive-time": "1",
                        "server.keepalive-interval": "1", "server.keepalive-count": "2"}
MOUNT_OPTIONS = "none (glusterfs client defaults: entry/attribute timeouts and md-cache left as they are)"


def log(msg):
    print(f"[{time.monotonic() - T0:6.2f}s] {msg}", flush=True)


class Abort(Exception):
    """Raised by the signal handlers and the overall timeout."""


def run(args, timeout=20, check=True, input=None):
    """Runs a command to completion; its CompletedProcess (text). Raises on non-zero with check."""
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, input=input,
                       stdin=None if input is not None else subprocess.DEVNULL)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {r.returncode}: {(r.stderr or r.stdout).strip()}")
    return r


def alive(pid):
    """Whether pid names a live (non-zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def wait_gone(pids, timeout):
    """Waits until none of pids is alive; the ones still alive after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.02)
    return [p for p in pids if alive(p)]


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def our_processes():
    """Pids of processes this harness started (their command line names SCRATCH), not us."""
    me = {os.getpid(), os.getppid()}
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in me and SCRATCH in cmdline(p)]


def read_pid(path, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            time.sleep(0.01)
    raise RuntimeError(f"no pid in {path} after {timeout} s")


class Cluster:
    """The namespaces, glusterd, the volume, the mounts and the host inits; see the module doc."""

    def __init__(self, subnet):
        self.sub = subnet
        self.mnt = f"{SCRATCH}/mnt"
        self.brick = f"{SCRATCH}/brick"
        self.clients = {}       # host number (0 = observer in qcsrv) -> glusterfs client pid
        self.inits = {}         # host number -> (unshare Popen, init pid)
        self.started = set()    # every daemon pid we started (verified gone after teardown)
        self.down = set()       # hosts whose link is down
        self.times = []         # (phase, step, seconds)
        self.glusterd = None

    # --- helpers -------------------------------------------------------------------------
    def step(self, phase, name, fn):
        t = time.monotonic()
        try:
            return fn()
        finally:
            dt = time.monotonic() - t
            self.times.append((phase, name, dt))
            log(f"{phase}: {name}: {dt:.2f} s")

    def gluster(self, *args, timeout=30, check=True):
        return run(["ip", "netns", "exec", SRV, "gluster", "--mode=script", *args], timeout=timeout, check=check)

    def ns(self, h):
        return SRV if h == 0 else f"qch{h}"

    def view(self, rel=""):
        """A path on the volume as the observer client (in qcsrv, never cut off) sees it."""
        return f"/proc/{self.clients[0]}/root{self.mnt}/{rel}".rstrip("/")

    def on(self, h, argv):
        """argv run on host h: in its host init's network, mount, UTS and pid namespaces."""
        init = self.inits[h][1]
        return ["nsenter", "-t", str(init), "-n", "-m", "-u", "-p", "--", *argv]

    # --- clean-up of an aborted earlier run --------------------------------------------
    def clean_stale(self):
        stale = our_processes()
        if stale:
            log(f"stale processes of an earlier run: {stale}")
            for p in stale:  # unmount first where a stale client still serves a mount
                if "glusterfs" in cmdline(p).split(" ")[0]:
                    run(["nsenter", f"--mount=/proc/{p}/ns/mnt", "umount", "-l", self.mnt], check=False, timeout=10)
            for p in stale:
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            wait_gone(stale, 10)
        listed = run(["ip", "netns", "list"], check=False).stdout.split()
        for n in [SRV] + [f"qch{h}" for h in HOSTS]:
            if n in listed:
                log(f"stale network namespace {n}: deleted")
                run(["ip", "netns", "del", n], check=False)
        if os.path.isdir(SCRATCH):
            with open("/proc/self/mounts") as f:
                if f" {self.mnt} " in f.read():
                    run(["umount", "-l", self.mnt], check=False)
            shutil.rmtree(SCRATCH, ignore_errors=True)

    # --- set-up --------------------------------------------------------------------------
    def setup(self):
        os.makedirs(self.brick)
        os.makedirs(self.mnt)
        self.step("setup", "network namespaces, bridge, veths", self._network)
        self.step("setup", "glusterd started and answering", self._glusterd)
        self.step("setup", "volume create + options + start", self._volume)
        self.step("setup", "4 FUSE mounts (3 hosts + observer)", self._mounts)
        self.step("setup", "3 host inits (uts + pid namespaces)", lambda: [self.start_host(h) for h in HOSTS])

    def _network(self):
        for n in [SRV] + [f"qch{h}" for h in HOSTS]:
            run(["ip", "netns", "add", n])
            run(["ip", "-n", n, "link", "set", "lo", "up"])
        run(["ip", "-n", SRV, "link", "add", BRIDGE, "type", "bridge"])
        run(["ip", "-n", SRV, "addr", "add", f"{self.sub}.1/24", "dev", BRIDGE])
        run(["ip", "-n", SRV, "link", "set", BRIDGE, "up"])
        for h in HOSTS:
            run(["ip", "link", "add", f"qcv{h}", "netns", f"qch{h}", "type", "veth", "peer", "name", f"qcs{h}", "netns", SRV])
            run(["ip", "-n", SRV, "link", "set", f"qcs{h}", "master", BRIDGE, "up"])
            run(["ip", "-n", f"qch{h}", "addr", "add", f"{self.sub}.1{h}/24", "dev", f"qcv{h}"])
            run(["ip", "-n", f"qch{h}", "link", "set", f"qcv{h}", "up"])

    def _glusterd(self):
        run(["ip", "netns", "exec", SRV, "glusterd", "-p", f"{SCRATCH}/glusterd.pid", "-l", f"{SCRATCH}/glusterd.log"])
        self.glusterd = read_pid(f"{SCRATCH}/glusterd.pid")
        self.started.add(self.glusterd)
        deadline = time.monotonic() + 15
        while self.gluster("pool", "list", check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("glusterd does not answer after 15 s")
            time.sleep(0.05)
        if self.gluster("volume", "info", VOLUME, check=False).returncode == 0:
            log(f"stale volume {VOLUME}: stopped and deleted")
            self.gluster("volume", "stop", VOLUME, "force", check=False)
            self.gluster("volume", "delete", VOLUME, check=False)

    def _volume(self):
        self.gluster("volume", "create", VOLUME, f"{self.sub}.1:{self.brick}", "force")
        for k, v in VOLUME_OPTIONS.items():
            self.gluster("volume", "set", VOLUME, k, v)
        self.gluster("volume", "start", VOLUME)
        for p in our_processes():
            if self.brick in cmdline(p) and "glusterfsd" in cmdline(p):
                self.started.add(p)

    def _mounts(self):
        for h in (0,) + HOSTS:
            pidfile = f"{SCRATCH}/client-h{h}.pid"
            run(["ip", "netns", "exec", self.ns(h), "glusterfs", f"--volfile-server={self.sub}.1",
                 f"--volfile-id={VOLUME}", "-p", pidfile, "-l", f"{SCRATCH}/client-h{h}.log", self.mnt])
            self.clients[h] = read_pid(pidfile)
            self.started.add(self.clients[h])
        deadline = time.monotonic() + 15
        for h in (0,) + HOSTS:
            while True:
                try:
                    with open(f"/proc/{self.clients[h]}/mounts") as f:
                        if f" {self.mnt} fuse.glusterfs " in f.read():
                            os.listdir(f"/proc/{self.clients[h]}/root{self.mnt}")
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the mount of host {h} does not answer after 15 s")
                time.sleep(0.02)

    def start_host(self, h):
        """Starts host h's init: a new UTS and pid namespace (and a mount namespace with its own
        /proc) inside the host's network and mount namespaces; waits until hostname is hN."""
        p = subprocess.Popen(
            ["nsenter", "-t", str(self.clients[h]), "-n", "-m", "unshare", "--uts", "--pid", "--fork", "--mount-proc",
             "sh", "-c", f"hostname h{h}; while :; do sleep 3600; done", f"{SCRATCH}-init-h{h}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 10
        init = None
        while time.monotonic() < deadline:
            try:
                with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
                    kids = f.read().split()
            except OSError:
                kids = []
            if kids:
                init = int(kids[0])
                r = run(["nsenter", "-t", str(init), "-u", "hostname"], check=False)
                if r.stdout.strip() == f"h{h}":
                    break
            time.sleep(0.01)
        else:
            raise RuntimeError(f"host {h}'s init did not come up")
        self.inits[h] = (p, init)

    def pidns(self, h):
        """The identity of host h's pid namespace (as readlink of /proc/PID/ns/pid)."""
        return os.readlink(f"/proc/{self.inits[h][1]}/ns/pid")

    @staticmethod
    def procs_in(nslink):
        """Pids (as seen from here) of every live process in that pid namespace."""
        out = []
        for p in os.listdir("/proc"):
            if p.isdigit():
                try:
                    if os.readlink(f"/proc/{p}/ns/pid") == nslink and alive(int(p)):
                        out.append(int(p))
                except OSError:
                    pass
        return out

    def alive_client(self, h):
        return alive(self.clients[h])

    def kill_host(self, h):
        """SIGKILL to host h's init: the kernel kills every process of its pid namespace."""
        p, init = self.inits.pop(h)
        os.kill(init, signal.SIGKILL)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)

    def reboot_hosts(self):
        """Kills every host's processes and starts fresh host inits (between scenarios)."""
        for h in list(self.inits):
            self.kill_host(h)
        for h in HOSTS:
            self.start_host(h)

    def link(self, h, up):
        run(["ip", "-n", f"qch{h}", "link", "set", f"qcv{h}", "up" if up else "down"])
        (self.down.discard if up else self.down.add)(h)

    def server_options(self):
        """The volume's options that bear on locks and disconnects (for the report)."""
        r = self.gluster("volume", "get", VOLUME, "all", check=False)
        keep = ("ping-timeout", "keepalive", "tcp-user-timeout", "locks-revocation", "lock-heal", "strict-locks")
        return [" ".join(l.split()) for l in r.stdout.splitlines() if any(k in l for k in keep)]

    # --- teardown ------------------------------------------------------------------------
    def teardown(self):
        """Removes everything, each step on its own (a failing step does not stop the others);
        returns the list of problems found by the final verification."""
        problems = []

        def attempt(name, fn):
            try:
                self.step("teardown", name, fn)
            except Exception as e:  # noqa: BLE001 - every step must run
                problems.append(f"{name}: {e}")
                log(f"teardown: {name} FAILED: {e}")

        attempt("host inits killed", lambda: [self.kill_host(h) for h in list(self.inits)])
        attempt("links up", lambda: [self.link(h, True) for h in list(self.down)])
        attempt("unmount 4 FUSE mounts, clients exited", self._unmount)
        if self.glusterd and alive(self.glusterd):
            attempt("volume stop + delete", self._volume_delete)
        attempt("glusterd and brick exited (by pid)", self._daemons)
        attempt("network namespaces deleted", self._netns_delete)
        attempt("brick and mount point removed (logs kept in the scratch folder)", self._remove_dirs)
        # Verification: nothing left.
        left = [p for p in self.started if alive(p)] + our_processes()
        if left:
            problems.append(f"processes left: {sorted(set(left))}")
            for p in set(left):
                try:
                    os.kill(p, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        listed = run(["ip", "netns", "list"], check=False).stdout.split()
        ours = [n for n in listed if n == SRV or n.startswith("qch")]
        if ours:
            problems.append(f"network namespaces left: {ours}")
        with open("/proc/self/mounts") as f:
            if SCRATCH in f.read():
                problems.append("a mount under the scratch folder is left")
        for d in (self.brick, self.mnt):
            if os.path.exists(d):
                problems.append(f"{d} is left")
        log("teardown verified: " + ("; ".join(problems) if problems else
                                     "no netns, no glusterd/glusterfsd/glusterfs of ours, no mount left"))
        return problems

    def _unmount(self):
        for h, pid in self.clients.items():
            if alive(pid):
                r = run(["nsenter", f"--mount=/proc/{pid}/ns/mnt", "umount", self.mnt], check=False, timeout=15)
                if r.returncode != 0:
                    run(["nsenter", f"--mount=/proc/{pid}/ns/mnt", "umount", "-l", self.mnt], check=False, timeout=15)
        left = wait_gone(list(self.clients.values()), 8)
        for p in left:
            os.kill(p, signal.SIGKILL)
        if left:
            raise RuntimeError(f"clients {left} did not exit after umount (killed)")

    def _volume_delete(self):
        self.gluster("volume", "stop", VOLUME, "force")
        self.gluster("volume", "delete", VOLUME)

    def _daemons(self):
        if self.glusterd and alive(self.glusterd):
            os.kill(self.glusterd, signal.SIGTERM)
        left = wait_gone(list(self.started), 8)
        for p in left:
            os.kill(p, signal.SIGKILL)
        if left:
            raise RuntimeError(f"{left} did not exit (killed)")

    def _remove_dirs(self):
        shutil.rmtree(self.brick, ignore_errors=True)
        os.rmdir(self.mnt)

    def _netns_delete(self):
        for n in [SRV] + [f"qch{h}" for h in HOSTS]:
            run(["ip", "netns", "del", n], check=False)


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
    ap.add_argument("--scenarios", default=None, help="comma-separated: drain,kill,partition (default: all; none with --bench)")
    ap.add_argument("--bench", nargs="?", const=1000, type=int, default=None, metavar="N",
                    help="drain N `true` jobs: 3 hosts on the volume vs one host on local disk (default N 1000)")
    ap.add_argument("--subnet", default="10.231.9", help="private /24 for the namespaces (default 10.231.9)")
    ap.add_argument("--timeout", type=float, default=115, help="hard overall timeout in seconds before teardown (default 115)")
    ap.add_argument("--partition-wait", type=float, default=20.0,
                    help="seconds the partition scenario waits for another host to complete the job (default 20)")
    ap.add_argument("--lease", default="1", help="the `lease` config key for the scenarios (default 1)")
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
    sys.modules.setdefault("cluster", sys.modules[__name__])   # one copy of this module (Abort, log)
    import scenarios  # noqa: E402 - after the argument check, beside this file
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

    lock = open(LOCKFILE, "w")
    deadline = time.monotonic() + 60
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
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
        ctx = scenarios.Context(c, qbin, args.late_note_regex, args.lease, args.partition_wait)
        facts = scenarios.fs_facts(ctx)
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
