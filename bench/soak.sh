#!/usr/bin/env bash
# Memory soak: bandit-proxy under steady load for a while, resident memory sampled as it goes.
#
#   bench/soak.sh [minutes] [sample-seconds]      (defaults: 10 minutes, a sample every 30 s)
#
# Two wrk instances run side by side the whole time: returning visitors (a valid session
# cookie) and new visitors (none: a session, a Thompson draw, a view and a cookie each), 32
# keep-alive connections each, against the same one-worker nginx upstream as bench/run.sh.
# Prints resident memory per sample and its growth after the first minute (warm-up).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
every=${2:-30}
source bench/common.sh
start_bandit_proxy

duration=$((minutes * 60))
wrk -t1 -c32 -d"${duration}s" -H "Cookie: $cookie_bandit" http://127.0.0.1:18082/ >"$work/returning.txt" &
returning=$!
wrk -t1 -c32 -d"${duration}s" http://127.0.0.1:18082/ >"$work/new.txt" &
new=$!
echo "seconds  resident MiB"
: >"$work/samples"
for ((t = every; t <= duration; t += every)); do
  sleep "$every"
  rss=$(ps -o rss= -p "$bandit_pid" | tr -d ' ')
  echo "$t $rss" >>"$work/samples"
  printf '%7d  %12.1f\n' "$t" "$(echo "$rss / 1024" | bc -l)"
done
wait "$returning" "$new"
python3 - "$work" <<'PY'
import re, sys
work = sys.argv[1]
samples = [tuple(map(int, line.split())) for line in open(f"{work}/samples")]
total = 0
for name in ("returning", "new"):
    text = open(f"{work}/{name}.txt").read()
    count = int(re.search(r"(\d+) requests in", text).group(1))
    errors = re.search(r"Socket errors: .*|Non-2xx.*", text)
    total += count
    print(f"{name}: {count:,} requests{', ' + errors.group(0) if errors else ''}")
warm = next((rss for t, rss in samples if t >= 60), samples[0][1])
last = samples[-1][1]
peak = max(rss for _, rss in samples)
print(f"{total:,} requests; resident after the first minute {warm/1024:.1f} MiB, at the end {last/1024:.1f} MiB "
      f"(growth {(last-warm)/1024:+.1f} MiB), peak {peak/1024:.1f} MiB")
PY
