#!/bin/sh
# Time spent in the syscalls of the log step of each job (open/recycle of logs/<id>.log, its
# flock and fstat), from `perf trace` of a worker draining N `true` jobs with --count 2, next to
# the time in all the worker's openat calls. perf trace reads syscall tracepoints (no ptrace
# stops): durations are the syscalls' own wall time, including waits for locks.
#   bench/log-step-time.sh BIN [N] [DIR]
set -eu
bin=$1; n=${2:-2000}; dir=${3:-/work/bench-tmp}/logstep-$$
"$bin" --spool "$dir" status >/dev/null
yes '{"command":"true"}' | head -n "$n" | "$bin" --spool "$dir" enqueue - >/dev/null 2>&1
perf trace -e openat,renameat2,flock,newfstatat,fstat -o "$dir.trace" -- "$bin" --spool "$dir" worker start --count 2 --exit-when-idle >/dev/null 2>&1
python3 - "$dir.trace" "$n" <<'PY'
import re, sys
path, n = sys.argv[1], int(sys.argv[2])
log = allopen = 0.0
calls = 0
for line in open(path, errors="replace"):
    m = re.search(r"\(\s*([\d.]+) ms\):.*?(openat|renameat2|flock|newfstatat|fstat)\((.*)", line)
    if not m:
        continue
    ms, name, args = float(m.group(1)), m.group(2), m.group(3)
    if name == "openat":
        allopen += ms
    if "/logs/" in args or name in ("flock",):
        log += ms; calls += 1
print(f"{n} jobs: log-step syscalls (opens/renames of logs/*, flock) {log / n * 1000:.1f} us/job in {calls / n:.1f} calls/job; all openat {allopen / n * 1000:.1f} us/job")
PY
rm -rf "$dir" "$dir.trace"
