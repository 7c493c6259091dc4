#!/usr/bin/env bash
# Heap allocations per proxied request, counted exactly: a perf uprobe on libc's malloc in
# the running proxy while wrk sends a fixed load (returning and new visitors, as in run.sh).
#
#   bench/mallocs.sh [seconds]      (default 4; needs root, perf and uprobes)
#
# The count includes everything the process does meanwhile (the event loop, the flushes
# to SQLite every second), divided by the requests wrk completed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-4}
libc=$(ldconfig -p | awk '/libc.so.6 .*x86-64|libc.so.6 .*64/{print $NF; exit}')
if ! perf probe -q -x "$libc" malloc 2>/dev/null && ! perf probe -l 2>/dev/null | grep probe_libc:malloc >/dev/null; then
  echo "bench/mallocs.sh: cannot place a uprobe on $libc malloc (run as root with perf installed)" >&2
  exit 1
fi
source bench/common.sh
start_bandit_proxy

count() { # scenario cookie
  local args=(-t1 -c16 -d"${seconds}s")
  [ -n "$2" ] && args+=(-H "Cookie: $2")
  wrk "${args[@]}" http://127.0.0.1:18082/ >/dev/null  # warm-up: pools, caches
  perf stat -x, -e probe_libc:malloc -p "$bandit_pid" -o "$work/$1.stat" -- wrk "${args[@]}" http://127.0.0.1:18082/ >"$work/$1.txt"
  python3 - "$1" "$work/$1.stat" "$work/$1.txt" <<'PY'
import re, sys
name, stat, text = sys.argv[1:]
mallocs = int(next(l for l in open(stat) if "malloc" in l).split(",")[0])
requests = int(re.search(r"(\d+) requests in", open(text).read()).group(1))
print(f"{name:<10} {mallocs / requests:6.1f} mallocs per request ({requests:,} requests)")
PY
}
count returning "$cookie_bandit"
count new ""
