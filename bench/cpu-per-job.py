#!/usr/bin/env python3
"""Worker CPU per job (issue 12): drains N `true` jobs with `worker start --count 2` and reads
the worker's own user+sys CPU from /proc/<pid>/stat (all its threads, not its children: the
jobs' shells are in cstime/cutime, which are not counted). Python 3 standard library only.

    bench/cpu-per-job.py --bin .build/release/queuectl [--jobs 2000] [--reps 3] [--tmp /work/bench-tmp]
    bench/cpu-per-job.py ... --perf perf.data   # also `perf record -g` the worker of the last rep

The jobs are enqueued with `enqueue -` first (not measured); the worker is started on the full
queue, and its CPU is read once every job is in completed/ (polled every 50 ms by this script,
which costs the worker nothing), then it is stopped with SIGTERM. The figure includes the
worker's start-up (a few ms of CPU, under 1 us per job at 2,000 jobs). Prints one line per rep
and the median, with the load average.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of the whole thread group, children excluded."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK, int(fields[11]) / TICK, int(fields[12]) / TICK


def count(path):
    with os.scandir(path) as it:
        return sum(1 for _ in it)


def one(args, rep, perf_out=None):
    spool = os.path.join(args.tmp, f"cpu-{os.getpid()}-{rep}")
    shutil.rmtree(spool, ignore_errors=True)
    q = [args.bin, "--spool", spool]
    subprocess.run(q + ["status"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(q + ["enqueue", "-"], input=b'{"command":"true"}\n' * args.jobs, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done_dir = os.path.join(spool, "completed")
    t0 = time.monotonic()
    w = subprocess.Popen(q + ["worker", "start", "--count", str(args.count)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    perf = None
    if perf_out:
        perf = subprocess.Popen(["perf", "record", "-F", str(args.freq), "-g", "-o", perf_out, "-p", str(w.pid)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while count(done_dir) < args.jobs:
        if w.poll() is not None:
            sys.exit(f"worker exited early ({w.returncode})")
        time.sleep(0.05)
    wall = time.monotonic() - t0
    total, user, sys_ = cpu_seconds(w.pid)
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait()
    w.send_signal(signal.SIGTERM)
    w.wait()
    if not args.keep:
        shutil.rmtree(spool, ignore_errors=True)
    return total, user, sys_, wall


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default=".build/release/queuectl")
    p.add_argument("--jobs", type=int, default=2000)
    p.add_argument("--count", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--tmp", default="/work/bench-tmp")
    p.add_argument("--perf", help="perf.data path: record the last rep's worker")
    p.add_argument("--freq", type=int, default=4000)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    args.bin = os.path.abspath(args.bin)
    os.makedirs(args.tmp, exist_ok=True)
    per_job = []
    for rep in range(args.reps):
        load = os.getloadavg()[0]
        perf_out = args.perf if rep == args.reps - 1 else None
        total, user, sys_, wall = one(args, rep, perf_out)
        us = total / args.jobs * 1e6
        per_job.append(us)
        print(f"rep {rep + 1}: worker cpu {total:.2f} s (user {user:.2f}, sys {sys_:.2f}) = {us:.0f} us/job; "
              f"drain {args.jobs / wall:,.0f} jobs/s; load {load:.2f}{' (perf recording)' if perf_out else ''}",
              flush=True)
    print(f"median: {statistics.median(per_job):.0f} us/job over {args.reps} reps of {args.jobs} jobs, --count {args.count}")


if __name__ == "__main__":
    main()
