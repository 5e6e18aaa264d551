"""The cluster of the multi-host harness: network namespaces, glusterd and its volume, one FUSE
mount per host (and the observer's), host inits (UTS + pid namespaces), links, teardown.
See cluster.py for the layout."""
import os
import shutil
import signal
import subprocess
import time

from proc import (BRIDGE, HOSTS, SCRATCH, SRV, VOLUME, VOLUME_OPTIONS, alive, cmdline, log, our_processes,
                  read_pid, run, wait_gone)


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
