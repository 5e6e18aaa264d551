"""Process and command helpers of the multi-host harness (Tests/multihost): names, logging,
running commands, and finding the processes this harness started (their command line names
SCRATCH; nothing is ever chosen by a process name alone)."""
import os
import subprocess
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
