#!/usr/bin/env bash
# queuectl benchmark (issue 5). Builds the release binary as a fully static executable (Swift
# runtime and glibc linked in: start-up 1.2 ms instead of 2.1 ms with --static-swift-stdlib),
# then runs bench/bench.py with the given options:
#   bench/run.sh            full run (10k / 100k / 1M jobs; about 5 minutes, ~5 GB of disk)
#   bench/run.sh --quick    small sizes, about a minute, for development
#   bench/run.sh --help     all options
#   bench/run.sh --side-by-side [--quick]   issue 12: queuectl next to nq, tsp and the floors
#                           (bench/compare.py; --side-by-side --help for its options)
# Not part of `swift test`. See bench/README.md. Set QUEUECTL_BENCH_NO_BUILD=1 to skip the build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${QUEUECTL_BENCH_NO_BUILD:-0}" != 1 ]; then
  echo "bench: swift build -c release -Xswiftc -static-executable" >&2
  swift build -c release -Xswiftc -static-executable >&2
fi
if [ "${1:-}" = --side-by-side ]; then
  shift
  exec python3 bench/compare.py "$@"
fi
exec python3 bench/bench.py "$@"
