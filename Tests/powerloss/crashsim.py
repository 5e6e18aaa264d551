#!/usr/bin/env python3
"""Power-loss test for queuectl: strace recorder + durability model (ALICE-style).

Technique 3 of /work/shared/notes/powerloss.md, standard library only.

1. record: runs a real workload through the built binary under
   `strace -f -y -xx -s 1048576 -qq -e trace=...`. --workload full (default): concurrent
   enqueuers (single jobs, a small batch and a batch > 8 that takes the syncfs path), two
   workers (`--count 2`) draining, some jobs failing once and retrying, some going dead, then
   `dlq retry` of the dead ones (which then succeed). --workload full-serial: the same jobs,
   but the enqueue phase ends before one worker (`--count 1`) drains, and it is stopped while
   `dlq retry` runs (no command fsyncs pending/ while a claim is in flight).
   --workload enqueue: the same enqueuers on a spool that does not exist yet (the first
   enqueues create it: the crash states check that its state directories are made durable),
   then `hold` and `release` (no workers, so no claims). The driver (this file, `drive` mode, traced too) writes `ACK <id> <state>` to its
   stdout after a command returned 0; workers print `end <id> completed|failed|dead` once the
   transition is durable. Both are seen as write(2)s in the same trace, so the order of
   acknowledgements and file-system calls is exact.
2. model: replays the trace into a tree with inode identity and per-object version history.
   Volatile state = every call applied. Durable, --model posix (default): a file's content as
   of its last fsync/fdatasync; a directory's entries as of its last fsync of that directory;
   syncfs/sync make everything durable. --model ext4: the same for file data, but directory
   changes form one ordered journal (any fsync/fdatasync/syncfs persists all earlier ones, so a
   rename is atomic), as on ext4 with data=ordered and delayed allocation. --atomic-claims
   (posix only): a claim's rename pending/|failed/ -> processing/ persists whole (when its
   source directory is taken at a version without the name, its destination directory is taken
   at least as of the rename): the known limit of spool-layout.md; every other rename still
   persists half by half.
   renameat2(RENAME_EXCHANGE) swaps two names (queuectl rewrites a file by writing tmp/X, then
   exchanging it with the path, then unlinking tmp/X). `<unfinished ...>` / `<... resumed>`
   lines are joined per pid and ordered by the resumed line. As a self-check, the volatile state
   at the end of the trace must equal the real spool byte for byte (else exit 2).
3. crash states: after every acknowledgement and every fsync/fdatasync/syncfs, the state after
   a power cut at that moment is built in several variants:
     durable   every object as of its last sync (the most pessimistic state POSIX allows)
     volatile  everything that was done (= every process killed, no power loss)
     prefix@j  an ordered prefix: everything up to op j persisted, plus what was synced
     random    each object independently at any version between its last sync and now
               (e.g. one directory of a rename flushed and the other not)
   Each distinct state is written to a fresh spool dir; `queuectl --spool DIR recover` runs
   (exit 0 expected), then it is checked:
     - every acknowledged job exists exactly once across the state directories, in a state no
       earlier than acknowledged (pending < failed < completed/dead; a job acknowledged pending by
       `dlq retry` after dead must not be dead again: it succeeds once revived), with at least the
       attempts it had when acknowledged; a copy whose exact content was written by the traced
       run must not be older than the acknowledged content (this catches e.g. a released job
       found with its pre-hold content);
     - every job file parses as JSON, its id matches its name and its state its directory;
       processing/ and tmp/ are empty (every process of the trace is dead);
     - jobs whose enqueue was not acknowledged exist at most once;
     - a job whose command started (a worker's `start` line) and has not ended since has no copy
       left in pending/ or failed/ before recover (its claim, source directory included, is
       durable before the command starts);
     - a second `recover` changes nothing (same names, same contents).

Usage:
  crashsim.py --queuectl .build/debug/queuectl [--workload full|full-serial|enqueue]
              [--model posix|ext4] [--atomic-claims]
              [--jobs 40] [--workdir DIR] [--keep] [--max-states N] [--seed S] [--show N]
  crashsim.py explain --workdir DIR --at OP [--variant durable|volatile|prefix@J] [--job ID]
              [--model posix|ext4]      (after a run with --workdir: the job's files in that crash
                                         state before recover, and the traced calls naming it)
Failing states are kept under WORKDIR/states/ when --workdir is given.
Exit status: 0 all crash states pass; 1 some crash state fails (printed as FAIL lines);
2 the harness itself could not run (strace missing, workload failed, ...).

Environment: QUEUECTL_UNSAFE_SKIP_DIRSYNC=1 / QUEUECTL_UNSAFE_SKIP_FILESYNC=1 are passed to the
*traced* workload only (the self-test: the harness must then report failures). The recover runs
on crash states never get them.
"""

import argparse
import bisect
import concurrent.futures
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

TRACE_SET = ("openat,open,creat,write,pwrite64,fsync,fdatasync,syncfs,sync,rename,renameat,renameat2,"
             "link,linkat,unlink,unlinkat,mkdir,mkdirat,rmdir,ftruncate,truncate,utimensat")
STATE_DIRS = ["pending", "processing", "completed", "failed", "dead", "held", "waiting"]
UNSAFE_VARS = ("QUEUECTL_UNSAFE_SKIP_DIRSYNC", "QUEUECTL_UNSAFE_SKIP_FILESYNC", "QUEUECTL_CRASH_AT", "QUEUECTL_CRASH_SKIP")


def log(msg):
    print(msg, flush=True)


# ----------------------------------------------------------------------------------------------
# Workload driver (runs under strace)
# ----------------------------------------------------------------------------------------------

def job_plan(n):
    """(id, kind) for n jobs: ok (succeeds), flaky (fails attempt 1, then succeeds), doomed
    (fails until revived: goes dead, then dlq retry makes it succeed)."""
    kinds = []
    for i in range(n):
        if i % 5 == 1:
            kinds.append("flaky")
        elif i % 8 == 3:
            kinds.append("doomed")
        else:
            kinds.append("ok")
    return [("j%03d" % i, k) for i, k in enumerate(kinds)]


def job_json(jid, kind, revive):
    if kind == "ok":
        cmd, retries = "echo ok-%s" % jid, 2
    elif kind == "flaky":
        cmd, retries = '[ "$QUEUECTL_ATTEMPT" -ge 2 ] || exit 3', 2
    else:
        cmd, retries = "[ -e %s ] || exit 3" % revive, 1
    return json.dumps({"id": jid, "command": cmd, "max_retries": retries})


def drive(args):
    """The traced workload. Prints `ACK <id> <state>[ dlq]` after each acknowledged command."""
    binary, spool, work = args.queuectl, args.spool, args.workdir
    revive = os.path.join(work, "revive")
    env = dict(os.environ)
    ack_lock = threading.Lock()
    errors = []

    def ack(jid, state, extra=""):
        with ack_lock:
            os.write(1, ("ACK %s %s%s\n" % (jid, state, extra)).encode())

    def q(argv, stdin=None):
        r = subprocess.run([binary, "--spool", spool] + argv, input=stdin, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            errors.append("queuectl %s: exit %d: %s" % (" ".join(argv), r.returncode, r.stderr.strip()))
        return r.returncode == 0

    # Setup (not under test): the spool exists and is durable before the first job. Not for
    # --workload enqueue: there the first (concurrent) enqueues create the spool, so the crash
    # states check that creating it fsyncs the root (its parent is outside the model).
    if args.workload != "enqueue":
        for k, v in [("time_unit", "0.001"), ("poll_interval", "0.05"), ("lease", "60"), ("kill_grace", "0.2"),
                     ("backoff_base", "2")]:
            if not q(["config", "set", k, v]):
                sys.stderr.write("\n".join(errors) + "\n")
                return 2
        os.sync()

    plan = job_plan(args.jobs)
    n = len(plan)
    doomed = [j for j, k in plan if k == "doomed"]

    def singles(part):
        for jid, kind in part:
            if q(["enqueue", job_json(jid, kind, revive)]):
                ack(jid, "pending")

    def batch(part):
        text = "".join(job_json(j, k, revive) + "\n" for j, k in part)
        if q(["enqueue", "-"], stdin=text):
            for jid, _ in part:
                ack(jid, "pending")

    a, b, c = n * 3 // 10, n * 6 // 10, n * 3 // 4
    small = min(5, max(1, (c - b) // 2))
    threads = [
        threading.Thread(target=singles, args=(plan[:a],)),
        threading.Thread(target=batch, args=(plan[a:b],)),  # > 8 jobs: the syncfs path
        threading.Thread(target=lambda: (batch(plan[b:b + small]), singles(plan[b + small:c]))),
    ]
    for t in threads:
        t.start()
    if args.workload == "enqueue":
        # No workers: enqueues, then admin moves (hold, release) that are acknowledged too.
        for t in threads:
            t.join()
        late = plan[c:]
        singles(late)
        held = [j for j, _ in plan[::4]]
        for jid in held:
            if q(["hold", jid]):
                ack(jid, "held")
        for jid in held[::2]:
            if q(["release", jid]):
                ack(jid, "pending")
        os.write(1, b"DONE\n")
        if errors:
            sys.stderr.write("workload failed:\n  " + "\n  ".join(errors) + "\n")
            return 2
        return 0
    serial = args.workload == "full-serial"
    workers = []

    def start_worker(w, count):
        out = open(os.path.join(work, "worker%d.out" % w), "a")
        return subprocess.Popen([binary, "--spool", spool, "worker", "start", "--count", str(count)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)

    def stop_workers():
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=20)
            except subprocess.TimeoutExpired:
                w.kill()
                errors.append("a worker did not stop")
        del workers[:]

    if serial:
        # Enqueue phase, then drain phase with one worker and one slot: no enqueue or admin
        # command runs while a claim is in flight (see the header: the claim window).
        for t in threads:
            t.join()
        singles(plan[c:])
        workers.append(start_worker(0, 1))
    else:
        for w in range(2):
            workers.append(start_worker(w, 2))
        late = threading.Thread(target=singles, args=(plan[c:],))
        late.start()
        threads.append(late)
        for t in threads:
            t.join()

    end_re = re.compile(r" end (\S+) (completed|failed|dead)\b")

    def ends():
        """The last outcome of each job (lines of both workers, ordered by their timestamps)."""
        seen = []
        for w in range(2):
            try:
                with open(os.path.join(work, "worker%d.out" % w)) as f:
                    for line in f:
                        m = end_re.search(line)
                        if m:
                            seen.append((line.split(" ", 1)[0], m.group(1), m.group(2)))
            except OSError:
                pass
        return {jid: state for _, jid, state in sorted(seen)}

    def wait_for(pred, what, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return True
            time.sleep(0.02)
        errors.append("timed out waiting for " + what)
        return False

    expected_first = {j: ("dead" if k == "doomed" else "completed") for j, k in plan}
    ok = not errors and wait_for(lambda: all(ends().get(j) == s for j, s in expected_first.items()), "the first drain")
    if ok:
        open(revive, "w").close()
        if serial:
            stop_workers()
        half = doomed[: len(doomed) // 2]
        for jid in half:  # one command per id ...
            if q(["dlq", "retry", jid]):
                ack(jid, "pending", " dlq")
        rest = doomed[len(doomed) // 2:]
        if rest and q(["dlq", "retry"] + rest):  # ... and one for several
            for jid in rest:
                ack(jid, "pending", " dlq")
        if serial:
            workers.append(start_worker(0, 1))
        ok = not errors and wait_for(lambda: all(ends().get(j) == "completed" for j in doomed), "the revived jobs")
    stop_workers()
    os.write(1, b"DONE\n")
    if errors:
        sys.stderr.write("workload failed:\n  " + "\n  ".join(errors) + "\n")
        return 2
    return 0


# ----------------------------------------------------------------------------------------------
# strace parsing
# ----------------------------------------------------------------------------------------------

ESC_RE = re.compile(rb"\\x([0-9a-fA-F]{2})|\\(.)")


def unescape(s):
    """Decodes strace's -xx escapes (and the few C escapes it may still use)."""
    raw = s.encode("latin-1") if isinstance(s, str) else s
    simple = {b"n": b"\n", b"t": b"\t", b"r": b"\r", b"v": b"\v", b"f": b"\f", b"\\": b"\\", b'"': b'"', b"0": b"\0"}

    def rep(m):
        if m.group(1) is not None:
            return bytes([int(m.group(1), 16)])
        return simple.get(m.group(2), m.group(2))

    return ESC_RE.sub(rep, raw)


LINE_RE = re.compile(r"^(\d+)\s+(.*)$")
CALL_RE = re.compile(r"^([a-z0-9_]+)\((.*)\)\s+=\s+(.*)$", re.S)
UNFINISHED = " <unfinished ...>"
RESUMED_RE = re.compile(r"^<\.\.\. ([a-z0-9_]+) resumed>(.*)$", re.S)


def split_args(s):
    """Splits a syscall argument list at top-level commas (strings are hex-escaped by -xx)."""
    out, depth, cur, inq = [], 0, [], False
    i = 0
    while i < len(s):
        ch = s[i]
        if inq:
            cur.append(ch)
            if ch == "\\":
                cur.append(s[i + 1])
                i += 1
            elif ch == '"':
                inq = False
        elif ch == '"':
            inq = True
            cur.append(ch)
        elif ch in "<[{(":
            depth += 1
            cur.append(ch)
        elif ch in ">]})":
            depth -= 1
            cur.append(ch)
        elif ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    if cur or out:
        out.append("".join(cur).strip())
    return out


def parse_str(arg):
    """A quoted string argument -> bytes (a trailing `...` means strace truncated it)."""
    m = re.match(r'^"(.*)"(\.\.\.)?$', arg, re.S)
    if not m:
        return None
    return unescape(m.group(1))


FD_RE = re.compile(r"^(-?\d+|AT_FDCWD)(?:<(.*)>)?$", re.S)


def parse_fd(arg):
    """`3</path>` -> (3, '/path'); `AT_FDCWD</cwd>` -> ('AT_FDCWD', '/cwd')."""
    m = FD_RE.match(arg)
    if not m:
        return None, None
    fd = m.group(1)
    path = unescape(m.group(2)).decode("utf-8", "surrogateescape") if m.group(2) is not None else None
    return (fd if fd == "AT_FDCWD" else int(fd)), path


def parse_ret(ret):
    """`0` / `3</path>` / `-1 ENOENT (...)` -> (value, annotation path or None)."""
    ret = ret.strip()
    m = re.match(r"^(-?\d+)(?:<(.*)>)?", ret, re.S)
    if not m:
        return None, None
    path = unescape(m.group(2)).decode("utf-8", "surrogateescape") if m.group(2) is not None else None
    return int(m.group(1)), path


REPLAY_MISMATCH = 3  # run(): the recording did not replay to the real spool (see main)


def read_trace(path):
    """Yields (pid, name, args, ret) in completion order, joining unfinished/resumed pairs."""
    pending = {}
    with open(path, encoding="latin-1") as f:
        for line in f:
            line = line.rstrip("\n")
            m = LINE_RE.match(line)
            if not m:
                continue
            pid, rest = int(m.group(1)), m.group(2)
            if rest.endswith(UNFINISHED):
                pending[pid] = rest[: -len(UNFINISHED)]
                continue
            r = RESUMED_RE.match(rest)
            if r:
                head = pending.pop(pid, None)
                if head is None:
                    continue
                rest = head + r.group(2)
            c = CALL_RE.match(rest)
            if not c:
                continue  # signals, exits
            yield pid, c.group(1), split_args(c.group(2)), c.group(3)


# ----------------------------------------------------------------------------------------------
# The durability model
# ----------------------------------------------------------------------------------------------

class Inode:
    __slots__ = ("num", "is_dir", "times", "values", "syncs")

    def __init__(self, num, is_dir, t):
        self.num = num
        self.is_dir = is_dir
        self.times = [t]  # version times, ascending
        self.values = [dict() if is_dir else b""]
        self.syncs = []  # fsync times, ascending

    @property
    def cur(self):
        return self.values[-1]

    def set(self, t, value):
        if self.times[-1] == t:
            self.values[-1] = value
        else:
            self.times.append(t)
            self.values.append(value)

    def at(self, t):
        """The version at time t (empty when it did not exist yet)."""
        k = bisect.bisect_right(self.times, t) - 1
        if k < 0:
            return dict() if self.is_dir else b""
        return self.values[k]

    def last_sync(self, t, global_syncs):
        k = bisect.bisect_right(self.syncs, t) - 1
        mine = self.syncs[k] if k >= 0 else -1
        return max(mine, last_le(global_syncs, t))


def last_le(times, t):
    """The last time in the sorted list `times` that is <= t, or -1."""
    k = bisect.bisect_right(times, t) - 1
    return times[k] if k >= 0 else -1


class Model:
    """Replays the trace. `mode` is the durability model:
    posix  a directory's entries are durable only when that directory is fsynced (so the two
           halves of a rename between directories persist independently), file data only when
           the file is fsynced; syncfs/sync: everything.
    ext4   like ext4 (data=ordered, delalloc): metadata is one ordered journal, so any fsync,
           fdatasync or syncfs persists every directory change made before it (renames are
           atomic); file data is durable only when that file is fsynced (an un-fsynced new file
           comes back empty)."""

    def __init__(self, root, mode="posix", atomic_claims=False):
        self.root = root.rstrip("/")
        self.mode = mode
        # --atomic-claims: a claim's rename pending/|failed/ -> processing/ persists whole (the
        # known limit of spool-layout.md); every other change as `mode` says.
        self.atomic_claims = atomic_claims
        self.claims = []  # (t, source dir inode, destination dir inode) of each claim rename
        self.starts = []  # (t, id): a worker printed `start <id>` (its claim must be durable, source too)
        self.claim_sources = []  # (t, id, "pending/<name>") of each claim rename
        self.any_syncs = [0]
        self.t = 0
        self.inodes = []
        self.global_syncs = [0]  # the spool exists (and is durable) before the trace: see drive()
        self.rootdir = self.new_inode(True)
        self.fds = {}  # (pid, fd) -> [inode, offset, append]
        self.acks = []  # (t, id, state, dlq)
        self.points = []  # (t, label)
        self.ignored = 0
        self.unhandled = []
        self.versions = {}  # job id -> {(state, attempts, updated_at): first time written}

    def new_inode(self, is_dir):
        ino = Inode(len(self.inodes), is_dir, self.t)
        self.inodes.append(ino)
        return ino

    def rel(self, path):
        """Path relative to the spool root as parts, or None when outside the spool."""
        if path is None:
            return None
        path = os.path.normpath(path)
        if path == self.root:
            return []
        if not path.startswith(self.root + "/"):
            return None
        return path[len(self.root) + 1:].split("/")

    def lookup_dir(self, parts):
        d = self.rootdir
        for p in parts:
            nxt = d.cur.get(p)
            if nxt is None or not nxt.is_dir:
                return None
            d = nxt
        return d

    def lookup(self, parts):
        if parts is None:
            return None
        if not parts:
            return self.rootdir
        d = self.lookup_dir(parts[:-1])
        return d.cur.get(parts[-1]) if d else None

    def parent(self, parts):
        if not parts:
            return None, None
        return self.lookup_dir(parts[:-1]), parts[-1]

    def dir_set(self, d, name, ino):
        e = dict(d.cur)
        if ino is None:
            e.pop(name, None)
        else:
            e[name] = ino
        d.set(self.t, e)

    @staticmethod
    def resolve(dirfd_arg, path_arg):
        p = parse_str(path_arg)
        if p is None:
            return None
        p = p.decode("utf-8", "surrogateescape")
        if p.startswith("/"):
            return p
        _, base = parse_fd(dirfd_arg) if dirfd_arg else (None, None)
        if base is None:
            return None
        return os.path.join(base, p)

    def fd_inode(self, pid, arg):
        fd, path = parse_fd(arg)
        parts = self.rel(path[:-10] if path and path.endswith(" (deleted)") else path)
        ent = self.fds.get((pid, fd))
        if path and path.endswith(" (deleted)"):
            return (ent[0] if ent else None), ent
        ino = self.lookup(parts)
        if ent and (ino is None or ent[0] is ino):
            return ent[0], ent
        if ino is not None:
            return ino, None
        return (ent[0] if ent else None), ent

    # -- one syscall ---------------------------------------------------------------------------
    def apply(self, pid, name, args, ret):
        self.t += 1
        val, retpath = parse_ret(ret)
        if name == "write" and len(args) >= 2:
            data = parse_str(args[1]) or b""
            self.check_ack(data)
        if val is None or val < 0:
            return
        if name in ("openat", "open", "creat"):
            if name == "openat":
                path, flags = self.resolve(args[0], args[1]), args[2] if len(args) > 2 else ""
            elif name == "open":
                path, flags = self.resolve(None, args[0]), args[1] if len(args) > 1 else ""
            else:
                path, flags = self.resolve(None, args[0]), "O_CREAT|O_WRONLY|O_TRUNC"
            if retpath and retpath.startswith("/"):
                path = retpath
            parts = self.rel(path)
            if parts is None:
                self.fds.pop((pid, val), None)
                return
            ino = self.lookup(parts)
            if ino is None and "O_CREAT" in flags:
                d, leaf = self.parent(parts)
                if d is None:
                    self.unhandled.append("open in a missing directory: %s" % path)
                    return
                ino = self.new_inode(False)
                self.dir_set(d, leaf, ino)
            if ino is None:
                return
            if "O_TRUNC" in flags and not ino.is_dir and ino.cur:
                ino.set(self.t, b"")
            self.fds[(pid, val)] = [ino, 0, "O_APPEND" in flags]
        elif name in ("write", "pwrite64"):
            ino, ent = self.fd_inode(pid, args[0])
            if ino is None or ino.is_dir:
                if ino is None and self.rel(parse_fd(args[0])[1]) is not None:
                    self.unhandled.append("write to an unknown fd: %s" % args[0][:200])
                return
            data = (parse_str(args[1]) or b"")[:val]
            self.note_version(data)
            if name == "pwrite64":
                off = int(args[3])
            elif ent is None:
                off = len(ino.cur)
            else:
                off = len(ino.cur) if ent[2] else ent[1]
            cur = ino.cur
            if len(cur) < off:
                cur = cur + b"\0" * (off - len(cur))
            ino.set(self.t, cur[:off] + data + cur[off + len(data):])
            if ent is not None and name == "write":
                ent[1] = off + len(data)
        elif name in ("fsync", "fdatasync"):
            ino, _ = self.fd_inode(pid, args[0])
            if ino is not None:
                ino.syncs.append(self.t)
                self.any_syncs.append(self.t)
                self.points.append((self.t, "%s %s" % (name, self.show(parse_fd(args[0])[1]))))
        elif name in ("syncfs", "sync"):
            if name == "sync" or self.rel(parse_fd(args[0])[1]) is not None:
                self.global_syncs.append(self.t)
                self.any_syncs.append(self.t)
                self.points.append((self.t, name))
        elif name in ("rename", "renameat", "renameat2"):
            if name == "rename":
                src, dst, flags = self.resolve(None, args[0]), self.resolve(None, args[1]), ""
            else:
                src, dst = self.resolve(args[0], args[1]), self.resolve(args[2], args[3])
                flags = args[4] if len(args) > 4 else ""
            sp, dp = self.rel(src), self.rel(dst)
            if sp is None and dp is None:
                return
            if sp is None or dp is None:
                self.unhandled.append("rename across the spool boundary: %s -> %s" % (src, dst))
                return
            sd, sl = self.parent(sp)
            dd, dl = self.parent(dp)
            if sd is None or dd is None or sl not in sd.cur:
                self.unhandled.append("rename of an unknown name: %s -> %s" % (src, dst))
                return
            a = sd.cur[sl]
            if ("RENAME_EXCHANGE" not in flags and len(sp) == 2 and len(dp) == 2
                    and sp[0] in ("pending", "failed") and dp[0] == "processing"):
                if self.atomic_claims:
                    self.claims.append((self.t, sd, dd))
                cid = name_id(sp[0], sp[1])
                if cid is not None:
                    self.claim_sources.append((self.t, cid, "/".join(sp)))
            if "RENAME_EXCHANGE" in flags:
                b = dd.cur.get(dl)
                if b is None:
                    self.unhandled.append("exchange with a missing name: %s" % dst)
                    return
                self.dir_set(sd, sl, b)
                self.dir_set(dd, dl, a)
            else:
                self.dir_set(sd, sl, None)
                self.dir_set(dd, dl, a)
        elif name in ("link", "linkat"):
            if name == "link":
                src, dst = self.resolve(None, args[0]), self.resolve(None, args[1])
            else:
                src, dst = self.resolve(args[0], args[1]), self.resolve(args[2], args[3])
            ino = self.lookup(self.rel(src))
            dp = self.rel(dst)
            if dp is None:
                return
            dd, dl = self.parent(dp)
            if ino is None or dd is None:
                self.unhandled.append("link of an unknown name: %s -> %s" % (src, dst))
                return
            self.dir_set(dd, dl, ino)
        elif name in ("unlink", "unlinkat", "rmdir"):
            path = self.resolve(args[0], args[1]) if name == "unlinkat" else self.resolve(None, args[0])
            parts = self.rel(path)
            if parts is None:
                return
            d, leaf = self.parent(parts)
            if d is not None:
                self.dir_set(d, leaf, None)
        elif name in ("mkdir", "mkdirat"):
            path = self.resolve(args[0], args[1]) if name == "mkdirat" else self.resolve(None, args[0])
            parts = self.rel(path)
            if not parts:
                return
            d, leaf = self.parent(parts)
            if d is None:
                self.unhandled.append("mkdir in a missing directory: %s" % path)
                return
            self.dir_set(d, leaf, self.new_inode(True))
        elif name in ("ftruncate", "truncate"):
            if name == "ftruncate":
                ino, _ = self.fd_inode(pid, args[0])
            else:
                ino = self.lookup(self.rel(self.resolve(None, args[0])))
            if ino is not None and not ino.is_dir:
                n = int(args[1])
                cur = ino.cur
                ino.set(self.t, cur[:n] + b"\0" * max(0, n - len(cur)))
        # utimensat: mtimes are not modelled

    ACK_RE = re.compile(rb"^ACK (\S+) (pending|failed|completed|dead|held)( dlq)?$")
    START_RE = re.compile(rb" start (\S+) attempt \d+")
    END_RE = re.compile(rb" end (\S+) (completed|failed|dead)\b")

    def check_ack(self, data):
        for line in data.split(b"\n"):
            m = self.ACK_RE.match(line)
            if m:
                jid = m.group(1).decode()
                dlq = m.group(3) is not None
                self.acks.append((self.t, jid, m.group(2).decode(), dlq))
                self.points.append((self.t, "ack %s %s%s" % (jid, m.group(2).decode(), " (dlq retry)" if dlq else "")))
                continue
            m = self.END_RE.search(line)
            if m:
                jid = m.group(1).decode()
                self.acks.append((self.t, jid, m.group(2).decode(), False))
                self.points.append((self.t, "ack %s %s" % (jid, m.group(2).decode())))
                continue
            m = self.START_RE.search(line)
            if m:
                self.starts.append((self.t, m.group(1).decode()))

    def note_version(self, data):
        """Remembers when each content version of a job was first written (to tell, after a
        crash, whether a copy is older than what was acknowledged)."""
        if not data.startswith(b"{"):
            return
        try:
            j = json.loads(data)
        except ValueError:
            return
        if isinstance(j, dict) and "id" in j and "state" in j:
            key = (j.get("state"), j.get("attempts"), j.get("updated_at"))
            self.versions.setdefault(j["id"], {}).setdefault(key, self.t)

    def acked_version(self, jid, state, t):
        """(time written, attempts) of the content that the ack (jid, state) at time t made durable."""
        best = (-1, None)
        for (s, attempts, _), wt in self.versions.get(jid, {}).items():
            if s == state and wt <= t and wt > best[0]:
                best = (wt, attempts)
        return best

    def acked_version_time(self, jid, state, t):
        return self.acked_version(jid, state, t)[0]

    def show(self, path):
        parts = self.rel(path)
        return "/".join(parts) if parts is not None else path

    # -- crash states --------------------------------------------------------------------------
    def build(self, choose):
        """The tree of a crash state: {relative path: bytes, or None for a directory}."""
        out = {}

        def walk(d, prefix, depth):
            if depth > 8:
                return
            for name, ino in sorted(d.at(choose(d)).items()):
                p = prefix + name
                if ino.is_dir:
                    out[p] = None
                    walk(ino, p + "/", depth + 1)
                else:
                    out[p] = ino.at(choose(ino))

        walk(self.rootdir, "", 0)
        return out

    def durable_time(self, ino, i):
        """The time of the version of `ino` that is durable at time i."""
        if self.mode == "ext4" and ino.is_dir:
            return last_le(self.any_syncs, i)
        return ino.last_sync(i, self.global_syncs)

    def chooser(self, kind, i, rng=None, j=None):
        base = self.base_chooser(kind, i, rng, j)
        if not self.atomic_claims or self.mode != "posix" or not self.claims:
            return base
        claims = [c for c in self.claims if c[0] <= i]
        memo = {}

        def choose(ino):
            if ino.num in memo:
                return memo[ino.num]
            t = base(ino)
            # A directory that is the destination of a claim whose source removal persisted is
            # taken at least as of that claim (its entry persisted too).
            for (tc, sd, dd) in claims:
                if dd is ino and t < tc and sd is not ino and base(sd) >= tc:
                    t = tc
            memo[ino.num] = t
            return t

        return choose

    def base_chooser(self, kind, i, rng=None, j=None):
        if kind == "durable":
            return lambda ino: self.durable_time(ino, i)
        if kind == "volatile":
            return lambda ino: i
        if kind == "prefix":
            return lambda ino: max(self.durable_time(ino, i), j)
        # random: any version between the durable one and now, per object (ext4: all directories
        # at one common time, since its metadata journal is ordered), fixed per state
        picks = {}
        meta_lo = last_le(self.any_syncs, i)
        meta_t = rng.randint(meta_lo, i) if meta_lo < i else i

        def pick(ino):
            if self.mode == "ext4" and ino.is_dir:
                return meta_t
            if ino.num not in picks:
                lo = self.durable_time(ino, i)
                a = bisect.bisect_right(ino.times, lo)
                b = bisect.bisect_right(ino.times, i)
                cands = [lo] + ino.times[a:b]
                picks[ino.num] = rng.choice(cands)
            return picks[ino.num]

        return pick


def fingerprint(tree):
    h = hashlib.sha256()
    for p in sorted(tree):
        v = tree[p]
        h.update(p.encode("utf-8", "surrogateescape") + b"\0")
        h.update(b"D" if v is None else b"F" + hashlib.sha256(v).digest())
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------
# Running recover on a crash state and checking it
# ----------------------------------------------------------------------------------------------

def materialize(tree, root):
    os.makedirs(root)
    for p in sorted(tree):
        full = os.path.join(root, p)
        if tree[p] is None:
            os.makedirs(full, mode=0o700, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(full), mode=0o700, exist_ok=True)
            fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, tree[p])
            os.close(fd)
    for dirpath, dirnames, _ in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o700)
    os.chmod(root, 0o700)


def snapshot(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        out[rel + "/"] = None
        for f in filenames:
            with open(os.path.join(dirpath, f), "rb") as fh:
                out[os.path.join(rel, f)] = fh.read()
    return out


ORDERED_RE = re.compile(r"^\d{5}\.\d{8}T\d{12}Z\.(.+)\.json$")


def name_id(state, name):
    if state in ("pending", "failed"):
        m = ORDERED_RE.match(name)
        return m.group(1) if m else None
    if state == "processing":
        m = re.match(r"^[^.]+\.(.+)\.json$", name)
        return m.group(1) if m else None
    return name[:-5] if name.endswith(".json") else None


def recover_and_scan(binary, tree, root):
    """Writes the state, runs recover twice; returns a result dict (found jobs, problems)."""
    materialize(tree, root)
    env = {k: v for k, v in os.environ.items() if k not in UNSAFE_VARS}
    res = {"problems": [], "found": {}, "corrupt": [], "claimable": {}}
    # The names in pending/ and failed/ before recover (a started job's claimed name must be gone).
    res["claimable"] = {p for p in tree if p.split("/")[0] in ("pending", "failed") and tree[p] is not None}
    r1 = subprocess.run([binary, "--spool", root, "recover"], capture_output=True, text=True, env=env)
    res["recover1"] = r1.stdout.strip()
    if r1.returncode != 0:
        res["problems"].append("recover exited %d: %s" % (r1.returncode, (r1.stderr.strip() or r1.stdout.strip())[:600]))
    before = snapshot(root)
    for state in STATE_DIRS:
        d = os.path.join(root, state)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.startswith(".") or name.endswith(".tmp"):
                continue
            nid = name_id(state, name)
            try:
                with open(os.path.join(d, name), "rb") as fh:
                    data = fh.read()
                job = json.loads(data)
            except Exception as e:  # noqa: BLE001 - any parse problem is a finding
                res["problems"].append("%s/%s does not parse (%d bytes): %s" % (state, name, len(data), e))
                continue
            if nid is None:
                res["problems"].append("%s/%s: not a queue name" % (state, name))
                nid = job.get("id")
            if job.get("id") != nid:
                res["problems"].append("%s/%s: JSON id is %r" % (state, name, job.get("id")))
            if job.get("state") != state:
                res["problems"].append("%s/%s: JSON state is %r" % (state, name, job.get("state")))
            res["found"].setdefault(nid, []).append((state, job.get("attempts"), job.get("updated_at")))
    for extra in ("processing", "tmp"):
        d = os.path.join(root, extra)
        left = sorted(os.listdir(d)) if os.path.isdir(d) else []
        if left:
            res["problems"].append("%s/ not empty after recover: %s" % (extra, ", ".join(left[:5])))
    if os.path.isdir(os.path.join(root, "corrupt")):
        res["corrupt"] = sorted(os.listdir(os.path.join(root, "corrupt")))
    r2 = subprocess.run([binary, "--spool", root, "recover"], capture_output=True, text=True, env=env)
    after = snapshot(root)
    if r2.returncode != 0:
        res["problems"].append("second recover exited %d: %s" % (r2.returncode, r2.stderr.strip()[:300]))
    if before != after:
        changed = sorted(k for k in set(before) | set(after) if before.get(k, 0) != after.get(k, 0))
        res["problems"].append("second recover changed the spool: %s (it said: %s)"
                               % (", ".join(changed[:6]), r2.stdout.strip()[:300]))
    return res


ALLOWED = {
    ("pending", False): {"pending", "failed", "completed", "dead", "held"},
    ("failed", False): {"failed", "completed", "dead"},
    ("completed", False): {"completed"},
    ("dead", False): {"dead"},
    ("pending", True): {"pending", "failed", "completed"},  # revived: the command now succeeds
    ("held", False): {"held"},
}


def latest_starts(model, i):
    """{id: time of its latest `start` line at or before i}."""
    out = {}
    for (t, jid) in model.starts:
        if t <= i:
            out[jid] = t
    return out


def check(model, i, res, known):
    """Problems of the crash state at time i given the acknowledgements up to i."""
    problems = list(res["problems"])
    last = {}
    for (t, jid, state, dlq) in model.acks:
        if t <= i:
            last[jid] = (state, dlq, model.acked_version(jid, state, t)[1])
    found = res["found"]
    ack_time = {}
    for (t, jid, state, dlq) in model.acks:
        if t <= i:
            ack_time[jid] = t
    for jid, (state, dlq, attempts) in sorted(last.items()):
        copies = found.get(jid, [])
        what = "job %s acked %s%s" % (jid, state, " by dlq retry" if dlq else "")
        if len(copies) != 1:
            where = ", ".join("%s(attempts %s)" % c[:2] for c in copies) or "nowhere"
            lost = [c for c in res["corrupt"] if (".%s.json" % jid) in c and not c.endswith(".reason")]
            extra = " (quarantined: corrupt/%s)" % lost[0] if lost and not copies else ""
            problems.append("%s, found %s%s" % (what, where, extra))
            continue
        fstate, fattempts, fupdated = copies[0]
        # A copy written by the traced run must not be older than the acknowledged content;
        # one made by recover itself (not in the trace) must be in a state no earlier than acked.
        wt = model.versions.get(jid, {}).get((fstate, fattempts, fupdated))
        if wt is not None:
            if wt < model.acked_version_time(jid, state, ack_time[jid]):
                problems.append("%s, found an older copy in %s/ (attempts %s, written at op %d)" % (what, fstate, fattempts, wt))
        elif fstate not in ALLOWED[(state, dlq)]:
            # Unless a later transition (not acknowledged yet) had started: then its result may
            # be what recover made of it.
            at = model.acked_version_time(jid, state, ack_time[jid])
            later = [k[1] for k, t in model.versions.get(jid, {}).items() if at < t <= i and k[1] is not None]
            if not later or fattempts is None or fattempts < min(later):
                problems.append("%s, found in %s/ (attempts %s)" % (what, fstate, fattempts))
        elif attempts is not None and (fattempts is None or fattempts < attempts):
            problems.append("%s after attempt %d, found in %s/ with attempts %s" % (what, attempts, fstate, fattempts))
    # A job whose command started was claimed durably: processing/ and the directory it came
    # from were fsynced, so the name it was claimed from may not survive the crash.
    for jid, t in latest_starts(model, i).items():
        src = [p for (tc, cid, p) in model.claim_sources if cid == jid and tc <= t]
        if src and src[-1] in res["claimable"]:
            problems.append("job %s started at op %d, but the name it was claimed from survived: %s (before recover)"
                            % (jid, t, src[-1]))
    for jid, copies in sorted(found.items()):
        if jid not in known:
            problems.append("unknown job %s in %s" % (jid, [c[:2] for c in copies]))
        elif jid not in last and len(copies) > 1:
            problems.append("job %s (enqueue not acked) found %d times: %s" % (jid, len(copies), [c[:2] for c in copies]))
    return problems


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------

def run(args):
    t0 = time.monotonic()
    binary = os.path.abspath(args.queuectl)
    if not os.access(binary, os.X_OK):
        log("crashsim: ERROR: %s is not an executable" % binary)
        return 2
    if shutil.which("strace") is None:
        log("crashsim: ERROR: strace not found")
        return 2
    work = os.path.abspath(args.workdir) if args.workdir else tempfile.mkdtemp(prefix="queuectl-crashsim-")
    os.makedirs(work, exist_ok=True)
    spool = os.path.join(work, "spool")
    trace = os.path.join(work, "trace.txt")
    unsafe = {k: os.environ[k] for k in UNSAFE_VARS[:2] if os.environ.get(k)}
    try:
        cmd = ["strace", "-f", "-y", "-xx", "-s", "1048576", "-qq", "-e", "trace=" + TRACE_SET, "-o", trace,
               sys.executable, os.path.abspath(__file__), "drive", "--queuectl", binary, "--spool", spool,
               "--workdir", work, "--jobs", str(args.jobs), "--workload", args.workload]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        t_rec = time.monotonic() - t0
        if r.returncode != 0 or "DONE" not in r.stdout:
            log("crashsim: ERROR: the traced workload failed (exit %d):\n%s" % (r.returncode, r.stderr.strip()))
            return 2

        model = Model(spool, args.model, atomic_claims=args.atomic_claims)
        calls = 0
        for pid, name, a, ret in read_trace(trace):
            model.apply(pid, name, a, ret)
            calls += 1
        final_t = model.t
        model.points.append((final_t, "end of the trace"))
        known = {jid for jid, _ in job_plan(args.jobs)}
        n_acks = len(model.acks)
        if n_acks < args.jobs:
            log("crashsim: ERROR: only %d acknowledgements seen in the trace" % n_acks)
            return 2
        # The model must reproduce the real spool exactly at the end of the trace.
        final = model.build(model.chooser("volatile", final_t))
        real = {}
        for dirpath, dirnames, filenames in os.walk(spool):
            rel = os.path.relpath(dirpath, spool)
            for d in dirnames:
                real[os.path.normpath(os.path.join(rel, d))] = None
            for f in filenames:
                with open(os.path.join(dirpath, f), "rb") as fh:
                    real[os.path.normpath(os.path.join(rel, f))] = fh.read()
        # The event log (events/) is outside the durability contract (never fsynced), and the
        # order of concurrent O_APPEND writes of several processes cannot be read from a trace.
        final = {k: v for k, v in final.items() if k != "events" and not k.startswith("events/")}
        real = {k: v for k, v in real.items() if k != "events" and not k.startswith("events/")}
        if final != real:
            diff = sorted(k for k in set(final) | set(real) if final.get(k, 0) != real.get(k, 0))
            log("crashsim: ERROR: the replayed trace does not match the spool at the end: %s" % ", ".join(diff[:8]))
            return REPLAY_MISMATCH
        if model.unhandled:
            log("crashsim: note: %d calls not modelled, e.g. %s" % (len(model.unhandled), model.unhandled[0]))

        # Crash states.
        rng = random.Random(args.seed)
        states = []  # (t, label, variant, fingerprint)
        trees = {}  # fingerprint -> tree
        by_fp = {}  # fingerprint -> indexes in states
        prev_t = 0
        for (t, label) in model.points:
            variants = [("durable", model.chooser("durable", t)), ("volatile", model.chooser("volatile", t))]
            if t > prev_t + 1:
                j = rng.randint(prev_t + 1, t - 1)
                variants.append(("prefix@%d" % j, model.chooser("prefix", t, j=j)))
            j2 = rng.randint(1, max(1, t - 1))
            variants.append(("prefix@%d" % j2, model.chooser("prefix", t, j=j2)))
            for k in range(args.random_variants):
                variants.append(("random#%d" % k, model.chooser("random", t, rng=random.Random(rng.random()))))
            for vname, ch in variants:
                tree = model.build(ch)
                fp = fingerprint(tree)
                trees.setdefault(fp, tree)
                by_fp.setdefault(fp, []).append(len(states))
                states.append((t, label, vname, fp))
            prev_t = t
        unique = list(by_fp.items())
        if args.max_states and len(unique) > args.max_states:
            # Keep every durable-only state, sample the rest (deterministic with --seed).
            keep = [u for u in unique if any(states[i][2] == "durable" for i in u[1])]
            rest = [u for u in unique if u not in keep]
            rng.shuffle(rest)
            unique = keep + rest[: max(0, args.max_states - len(keep))]
        t_model = time.monotonic() - t0 - t_rec

        results = {}
        statedir = os.path.join(work, "states")
        os.makedirs(statedir, exist_ok=True)

        def task(k, fp, idxs):
            root = os.path.join(statedir, "s%05d" % k)
            res = recover_and_scan(binary, trees[fp], root)
            return fp, res, root

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
            futs = [ex.submit(task, k, fp, idxs) for k, (fp, idxs) in enumerate(unique)]
            for fut in concurrent.futures.as_completed(futs):
                fp, res, root = fut.result()
                results[fp] = (res, root)

        failures = []
        checked = 0
        for fp, idxs in unique:
            res, root = results[fp]
            bad = None
            for idx in idxs:
                t, label, vname, _ = states[idx]
                checked += 1
                probs = check(model, t, res, known)
                if probs:
                    failures.append((t, label, vname, root, probs))
                    bad = True
            if not bad and not args.keep:
                shutil.rmtree(root, ignore_errors=True)
        elapsed = time.monotonic() - t0
        shown = 0
        for (t, label, vname, root, probs) in sorted(failures, key=lambda f: f[0]):
            if shown < args.show:
                log("FAIL crash after op %d (%s), %s state [%s]:" % (t, label, vname, root))
                for p in probs[:6]:
                    log("    " + p)
                shown += 1
        kinds = {}
        for f in failures:
            for p in f[4]:
                key = re.sub(r"j\d{3}", "J", re.sub(r"\d+", "N", p))[:90]
                kinds[key] = kinds.get(key, 0) + 1
        if failures:
            log("failure kinds (count: pattern):")
            for key, c in sorted(kinds.items(), key=lambda kv: -kv[1])[:12]:
                log("  %5d: %s" % (c, key))
        log("crashsim: workload %s, %d jobs, %d acks, %d traced calls, %d crash points, %d states (%d distinct run), "
            "%d failing; model %s; unsafe hooks: %s; record %.1fs, model %.1fs, total %.1fs; workdir %s"
            % (args.workload, args.jobs, n_acks, calls, len(model.points), checked, len(unique), len(failures), args.model,
               ",".join(sorted(unsafe)) or "none", t_rec, t_model, elapsed, work))
        log("crashsim: %s" % ("FAILED" if failures else "PASSED"))
        return 1 if failures else 0
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


def explain(args):
    """Debugging aid: the files of a job in the crash state at op --at (variant durable, volatile
    or prefix@J; random variants are not reproduced here) before recover, its acknowledgements,
    and the traced calls that name it."""
    model = Model(os.path.join(args.workdir, "spool"), args.model, atomic_claims=args.atomic_claims)
    lines = []
    for pid, name, a, ret in read_trace(os.path.join(args.workdir, "trace.txt")):
        model.apply(pid, name, a, ret)
        if args.job and any(args.job in (unescape(x).decode("latin-1")) for x in a):
            lines.append("%5d %d %s(%s) = %s" % (model.t, pid, name, ", ".join(
                unescape(x).decode("latin-1")[:110].replace("\n", " ") for x in a), unescape(ret).decode("latin-1")[:80]))
    t = args.at
    if args.variant.startswith("prefix@"):
        ch = model.chooser("prefix", t, j=int(args.variant[7:]))
    else:
        ch = model.chooser(args.variant, t)
    tree = model.build(ch)
    for p in sorted(tree):
        if args.job and args.job not in p:
            continue
        v = tree[p]
        if v is None:
            continue
        try:
            j = json.loads(v)
            desc = "state=%s attempts=%s" % (j.get("state"), j.get("attempts"))
        except Exception:  # noqa: BLE001
            desc = "%d bytes, not JSON" % len(v)
        print("state file %s: %s" % (p, desc))
    for (at, jid, state, dlq) in model.acks:
        if jid == args.job:
            print("ack at %d: %s%s" % (at, state, " dlq" if dlq else ""))
    for l in lines:
        print(l)
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "explain":
        p = argparse.ArgumentParser()
        p.add_argument("explain")
        p.add_argument("--workdir", required=True)
        p.add_argument("--at", type=int, required=True)
        p.add_argument("--variant", default="durable")
        p.add_argument("--job")
        p.add_argument("--model", choices=["posix", "ext4"], default="posix")
        p.add_argument("--atomic-claims", action="store_true")
        return explain(p.parse_args())
    if len(sys.argv) > 1 and sys.argv[1] == "drive":
        p = argparse.ArgumentParser()
        p.add_argument("drive")
        p.add_argument("--queuectl", required=True)
        p.add_argument("--spool", required=True)
        p.add_argument("--workdir", required=True)
        p.add_argument("--jobs", type=int, default=40)
        p.add_argument("--workload", default="full")
        return drive(p.parse_args())
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--queuectl", required=True, help="the built binary")
    p.add_argument("--jobs", type=int, default=40)
    p.add_argument("--workload", choices=["full", "full-serial", "enqueue"], default="full",
                   help="full: enqueuers, two workers, retries, dead jobs, dlq retry; "
                        "full-serial: the same, enqueues first, then one worker with one slot; "
                        "enqueue: enqueuers (creating the spool) and hold/release only (no workers, so no claims)")
    p.add_argument("--workdir", help="keep everything here (default: a temp dir, removed)")
    p.add_argument("--keep", action="store_true", help="keep passing crash states too")
    p.add_argument("--max-states", type=int, default=900, help="cap on distinct states run (0 = all)")
    p.add_argument("--random-variants", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--atomic-claims", action="store_true",
                   help="posix model, except that a claim's rename pending/|failed/ -> processing/ persists "
                        "whole (the documented known limit); every other rename persists half by half")
    p.add_argument("--model", choices=["posix", "ext4"], default="posix",
                   help="durability model (see Model); default posix")
    p.add_argument("--show", type=int, default=12, help="failing states to print")
    args = p.parse_args()
    # strace orders the calls of different processes by when it saw them return, which can differ
    # from the kernel's order when they race (an enqueue's rename into pending/ and the claim of
    # that name by a worker woken by inotify). Such a recording does not replay to the real spool
    # and is not used: the workload is recorded again (at most 3 times). Crash states are only
    # ever built from a recording whose replay reproduces the spool exactly.
    for attempt in range(1, 4):
        code = run(args)
        if code != REPLAY_MISMATCH:
            return code
        if args.workdir:
            shutil.rmtree(args.workdir, ignore_errors=True)
        log("crashsim: recording %d did not replay exactly (see above); recording again" % attempt)
    return 2


if __name__ == "__main__":
    sys.exit(main())
