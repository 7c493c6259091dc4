#!/usr/bin/env bash
# Heap allocations, reference-count operations and dynamic exclusivity checks per proxied
# request, counted exactly: perf uprobes on libc's malloc and on the Swift runtime's
# swift_retain, swift_release and swift_beginAccess in the running proxy while wrk sends a
# fixed load (returning and new visitors, as in run.sh). Each retain or release is an atomic
# read-modify-write, each access check a thread-local lookup; together they are a visible
# share of a request's CPU time, SwiftNIO's own included.
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
# The Swift runtime's entry points are in libswiftCore.so, or in the binary itself when the
# standard library is linked in statically (README's release build; perf cannot read that
# binary's DWARF 5, so its probes go on the symbols' addresses). They are named swiftrt:* and
# placed anew each run: an earlier run's may point into another binary (and probes this script
# once named probe_libswiftCore:* would clash with the names).
swift_runtime=$(ldd "$binary" | awk '/libswiftCore.so/{print $3; exit}')
swift_runtime=${swift_runtime:-$binary}
perf probe -q -d 'swiftrt:*' -d 'probe_libswiftCore:swift_*' 2>/dev/null || true
probe_runtime() { # symbol
  local at=$1
  [ "$swift_runtime" = "$binary" ] && at=0x$(nm "$binary" | awk -v symbol="$1" '$3 == symbol {print $1; exit}')
  perf probe -q -x "$swift_runtime" -a "swiftrt:$1=$at" 2>/dev/null
}
events=probe_libc:malloc
probe_runtime swift_retain && probe_runtime swift_release && events+=,swiftrt:swift_retain,swiftrt:swift_release
probe_runtime swift_beginAccess && events+=,swiftrt:swift_beginAccess
start_bandit_proxy

count() { # scenario cookie
  local args=(-t1 -c16 -d"${seconds}s")
  [ -n "$2" ] && args+=(-H "Cookie: $2")
  wrk "${args[@]}" http://127.0.0.1:18082/ >/dev/null  # warm-up: pools, caches
  perf stat -x, -e "$events" -p "$bandit_pid" -o "$work/$1.stat" -- wrk "${args[@]}" http://127.0.0.1:18082/ >"$work/$1.txt"
  python3 - "$1" "$work/$1.stat" "$work/$1.txt" <<'PY'
import re, sys
name, stat, text = sys.argv[1:]
fields = [l.split(",") for l in open(stat) if l.count(",") >= 2]  # perf stat -x, lines, not its comments
counts = {f[2].split(":")[-1]: int(f[0]) for f in fields if f[2].startswith(("probe_libc:", "swiftrt:"))}
requests = int(re.search(r"(\d+) requests in", open(text).read()).group(1))
line = f"{name:<10} {counts['malloc'] / requests:6.1f} mallocs"
if "swift_retain" in counts:
    line += f", {counts['swift_retain'] / requests:6.1f} retains, {counts['swift_release'] / requests:6.1f} releases"
if "swift_beginAccess" in counts:
    line += f", {counts['swift_beginAccess'] / requests:6.1f} access checks"
print(f"{line} per request ({requests:,} requests)")
PY
}
count returning "$cookie_bandit"
count new ""
