#!/usr/bin/env python3
"""The per-job cost of a job's log file (issue 12): creating `logs/<id>.log` anew for each job
versus renaming the previous job's empty log into place (`RecycledLogs`), measured as CPU time
(user+sys of this process) and wall time per job, on a real spool-like directory.

    bench/log-inode-cost.py [--tmp /work/bench-tmp] [--jobs 5000] [--rounds 3]

Each simulated job does the spool's other inode churn first (as a worker's drain does: a claim
file rewritten through tmp/ with a new inode, the old one unlinked, the finished file linked
into completed/ and its processing/ name unlinked), so that the filesystem sees the same rate
of inode creations and deletions as in a drain; then its log step, one of:

  create   open(logs/<id>.log, O_WRONLY|O_APPEND|O_CREAT) + flock + fstat + close: a new inode
  recycle  open(previous empty log, O_RDONLY) + flock + fstat + lstat + renameat2(NOREPLACE)
           to logs/<id>.log + open(O_WRONLY|O_APPEND) + close + flock + close: no new inode

The two variants alternate in blocks of 500 jobs so that both see the same background load.
The figure is the difference (create - recycle) per job; the churn's own cost cancels out.
Python's interpreter adds about the same per system call to both (the recycle step makes more
calls, so the difference understates the gain a little).
"""

import argparse
import ctypes
import ctypes.util
import fcntl
import os
import shutil
import statistics
import time

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
RENAME_NOREPLACE = 1


def renameat2(a, b):
    if libc.renameat2(-100, a.encode(), -100, b.encode(), RENAME_NOREPLACE) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), a)


def churn(root, i):
    """The claim rewrite and the finish of job i (no fsyncs: the CPU of the inode work only)."""
    proc = f"{root}/processing/w.{i}.json"
    fd = os.open(proc, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)   # the claimed file (was pending/)
    os.write(fd, b"{}" * 200)
    os.close(fd)
    tmp = f"{root}/tmp/w.{i}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)    # rewrite: new inode
    os.write(fd, b"{}" * 230)
    os.close(fd)
    os.rename(tmp, proc)                                              # old inode unlinked
    os.link(proc, f"{root}/completed/{i}.json")
    os.unlink(proc)


def log_create(root, i, _prev):
    path = f"{root}/logs/{i}.log"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.fstat(fd)
    os.close(fd)
    return path


def log_recycle(root, i, prev):
    path = f"{root}/logs/{i}.log"
    if prev is None:
        return log_create(root, i, None)
    probe = os.open(prev, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
    st = os.fstat(probe)
    if os.lstat(prev).st_ino != st.st_ino or st.st_size != 0:
        raise SystemExit("unexpected")
    renameat2(prev, path)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW)
    os.close(probe)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(fd)
    return path


def block(root, start, n, step):
    prev = None
    c0, w0 = time.process_time(), time.perf_counter()
    for i in range(start, start + n):
        churn(root, i)
        prev = step(root, i, prev)
    return (time.process_time() - c0) / n * 1e6, (time.perf_counter() - w0) / n * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tmp", default="/work/bench-tmp")
    p.add_argument("--jobs", type=int, default=5000, help="jobs per variant per round")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    root = os.path.join(args.tmp, f"log-inode-cost-{os.getpid()}")
    for d in ("processing", "tmp", "completed", "logs"):
        os.makedirs(f"{root}/{d}")
    per = {"create": [], "recycle": []}
    wall = {"create": [], "recycle": []}
    n = 0
    load0 = os.getloadavg()[0]
    try:
        for r in range(args.rounds):
            for _ in range(args.jobs // 500):
                for name, step in (("create", log_create), ("recycle", log_recycle)):
                    cpu, w = block(root, n, 500, step)
                    n += 500
                    per[name].append(cpu)
                    wall[name].append(w)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    c, rc = statistics.median(per["create"]), statistics.median(per["recycle"])
    wc, wr = statistics.median(wall["create"]), statistics.median(wall["recycle"])
    print(f"log step per job, median of {len(per['create'])} blocks of 500 jobs each (load {load0:.2f} -> {os.getloadavg()[0]:.2f})")
    print(f"  churn + create   CPU {c:7.1f} us/job   wall {wc:7.1f} us/job")
    print(f"  churn + recycle  CPU {rc:7.1f} us/job   wall {wr:7.1f} us/job")
    print(f"  creating the log costs {c - rc:+.1f} us CPU / {wc - wr:+.1f} us wall per job more than recycling it")


if __name__ == "__main__":
    main()
