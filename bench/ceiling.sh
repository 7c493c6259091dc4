#!/usr/bin/env bash
# How close can a SwiftNIO proxy get? nginx, the bare SwiftNIO relay of
# Benchmarks/Ceilings/NIORelay (one header injected, bytes relayed, nothing else), the same
# relay with swift-nio's HTTP/1 codecs on both connections (a textbook SwiftNIO proxy with no
# logic of its own), a lean relay that parses and edits heads in place (what a lean HTTP/1.1
# path in bandit-proxy could cost) and bandit-proxy, in front of the same upstream,
# alternating, for a returning visitor.
#
#   bench/ceiling.sh [rounds] [seconds]      (defaults: 3 rounds of 10 s)
#
# The relay is the floor under any proxy built on SwiftNIO's channel pipeline on this machine;
# the HTTP relay's cost above it is swift-nio's HTTP codecs; bandit-proxy's above that, its own.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
# Built as bandit-proxy is (common.sh), so that the sticks and the proxy compare alike.
swift build "${release_flags[@]}" --package-path Benchmarks --product NIORelay >/dev/null
relay=$(swift build "${release_flags[@]}" --package-path Benchmarks --show-bin-path)/NIORelay
"$relay" 18084 18080 &
"$relay" 18085 18080 --http &
"$relay" 18086 18080 --lean &
start_bandit_proxy
for port in 18084 18085 18086; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done
relay_pid=$(pgrep -f "$relay 18084" | head -1)
http_relay_pid=$(pgrep -f "$relay 18085" | head -1)
lean_relay_pid=$(pgrep -f "$relay 18086" | head -1)

for round in $(seq "$rounds"); do
  measure nginx 18081 "$cookie_nginx" "$nginx_workers"
  measure relay 18084 "" "$relay_pid"
  measure http-relay 18085 "" "$http_relay_pid"
  measure lean-relay 18086 "" "$lean_relay_pid"
  measure bandit-proxy 18082 "$cookie_bandit" "$bandit_pid"
done

python3 - "$work" "$rounds" <<'PY'
import sys
sys.path.insert(0, "bench")
from wrk_results import medians
work, rounds = sys.argv[1], int(sys.argv[2])
print(f"{'proxy':<14}{'req/s':>9}{'vs nginx':>10}{'CPU µs/req':>12}{'user':>8}{'system':>8}"
      f"{'switches/req (waits+preempted)':>32}")
nginx_rps = None
for name in ("nginx", "relay", "http-relay", "lean-relay", "bandit-proxy"):
    m = medians(work, name, rounds)
    nginx_rps = nginx_rps or m.rps
    print(f"{name:<14}{m.rps:>9.0f}{m.rps / nginx_rps:>10.2f}{m.cpu_us:>12.1f}{m.user_us:>8.1f}{m.system_us:>8.1f}"
          f"{m.voluntary:>21.3f} + {m.involuntary:.3f}")
print(f"returning visitor, wrk -t1 -c64, medians of {rounds} alternating rounds")
PY
