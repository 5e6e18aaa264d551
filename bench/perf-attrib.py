#!/usr/bin/env python3
"""Attributes `perf record -g` samples of the worker to the innermost queuectl function on each
call chain (demangled loosely), so kernel time (fsync, inode allocation, clone) is charged to the
Swift function that made the system call. Samples in finish_task_switch (time spent switched
out, an artefact of the cpu-clock event in a VM) are left out.

    perf script -i perf.data -F comm,tid,ip,sym | bench/perf-attrib.py [--comm queuectl] [--freq 4000 --jobs 2000]

With --freq (the -F of perf record) and --jobs, each line also gives microseconds of CPU per job
(one sample = 1/freq s of CPU).
"""
import collections, re, sys

def opt(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default
comm_filter = opt("--comm", "queuectl")
freq, jobs = float(opt("--freq", 0)), int(opt("--jobs", 0))
counts = collections.Counter()
total = 0
def short(sym):
    m = re.match(r"\$s(\d+)(\w+)", sym)
    if not m:
        return sym
    # e.g. $s9QueueCore5SpoolV7rewrite_4with4sync... -> QueueCore Spool.rewrite
    s = sym[2:]
    parts = []
    while s and s[0].isdigit() and len(parts) < 3:
        n = re.match(r"(\d+)", s).group(1)
        s = s[len(n):]
        parts.append(s[:int(n)])
        s = s[int(n):]
        if s[:1] in ("V", "C", "O"):
            s = s[1:]
    return ".".join(parts)

def flush(comm, frames):
    global total
    if not frames or not comm.startswith(comm_filter):
        return
    if frames[0].startswith("finish_task_switch"):
        return
    total += 1
    for f in frames:
        if f.startswith("$s") and ("QueueCore" in f[:14] or "QueueSystem" in f[:16] or "QueueCLI" in f[:13]):
            counts[short(f)] += 1
            return
    counts["(other) " + frames[0]] += 1

comm, frames = None, []
for line in sys.stdin:
    if not line.strip():
        flush(comm, frames); comm, frames = None, []
        continue
    if not line.startswith(("\t", " ")):
        flush(comm, frames)
        comm, frames = line.split()[0], []
        continue
    parts = line.split(None, 1)
    if len(parts) == 2:
        frames.append(parts[1].strip().split("+")[0])
flush(comm, frames)
per_job = (lambda n: f"  {n / freq / jobs * 1e6:7.1f} us/job") if freq and jobs else (lambda n: "")
print(f"{total} samples of {comm_filter}* (excluding finish_task_switch){per_job(total)}")
for name, n in counts.most_common(int(opt("--top", 40))):
    print(f"{100 * n / total:6.2f}%{per_job(n)}  {name}")
