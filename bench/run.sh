#!/usr/bin/env bash
# Throughput and latency of bandit-proxy against nginx, same machine, same run, alternating.
#
#   bench/run.sh [rounds] [seconds]      (defaults: 3 rounds of 10 s per proxy and scenario)
#
# Needs nginx and wrk (apt-get install nginx wrk) (the nginx configurations are in bench/nginx).
# Scenarios: "returning" visitors send a valid session cookie already assigned to an arm;
# "new" visitors send none, so every request creates a session, picks an arm by Thompson
# sampling, counts a view and sets a cookie; "browser" visitors are returning ones whose
# request is a browser's: ten more headers and 0.8 KB of other cookies before the session's.
# The nginx peer runs as bench/nginx/proxy-nginx.conf says (one worker);
# NGINX_WORKERS=auto bench/run.sh runs it with a worker per core instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
start_bandit_proxy

for round in $(seq "$rounds"); do
  measure nginx-returning 18081 "$cookie_nginx" "$nginx_workers" --latency
  measure bandit-returning 18082 "$cookie_bandit" "$bandit_pid" --latency
  measure nginx-new 18081 "" "$nginx_workers" --latency
  measure bandit-new 18082 "" "$bandit_pid" --latency
  measure nginx-browser 18081 "$browser_cookies$cookie_nginx" "$nginx_workers" --latency "${browser_headers[@]}"
  measure bandit-browser 18082 "$browser_cookies$cookie_bandit" "$bandit_pid" --latency "${browser_headers[@]}"
done
rss=$(ps -o rss= -p "$bandit_pid" | tr -d ' ')

python3 - "$work" "$rounds" "$rss" <<'PY'
import sys
sys.path.insert(0, "bench")
from wrk_results import medians
work, rounds, rss = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def parse(name):
    m = medians(work, name, rounds)
    return m.rps, m.percentile_ms(99), f"{m.cpu_us:.1f} ({m.user_us:.1f}+{m.system_us:.1f})", m.errors
print(f"{'scenario':<12}{'nginx req/s':>14}{'bandit req/s':>14}{'ratio':>8}{'nginx p99':>12}{'bandit p99':>12}"
      f"{'nginx CPU µs/req':>20}{'bandit CPU µs/req':>20}{'errors':>8}")
for scenario in ["returning", "new", "browser"]:
    n, b = parse(f"nginx-{scenario}"), parse(f"bandit-{scenario}")
    print(f"{scenario:<12}{n[0]:>14.0f}{b[0]:>14.0f}{b[0]/n[0]:>8.2f}{n[1]:>10.2f}ms{b[1]:>10.2f}ms"
          f"{n[2]:>20}{b[2]:>20}{b[3]:>8}")
for scenario in ["returning", "new", "browser"]:
    n, b = medians(work, f"nginx-{scenario}", rounds), medians(work, f"bandit-{scenario}", rounds)
    print(f"context switches per request, {scenario}: nginx {n.voluntary:.3f} waits + {n.involuntary:.3f} preempted,"
          f" bandit-proxy {b.voluntary:.3f} + {b.involuntary:.3f}")
print(f"medians of {rounds} rounds; CPU per request is user+system of the proxy process (nginx: its workers)")
print(f"bandit-proxy resident memory after the run: {rss/1024:.1f} MiB")
PY
