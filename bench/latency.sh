#!/usr/bin/env bash
# Latency at the same load: nginx and bandit-proxy offered the same request rate (well
# below either one's capacity), alternating, and their latency percentiles compared.
#
#   bench/latency.sh [rounds] [seconds] [pause-ms]   (defaults: 3 rounds of 10 s, 3 ms)
#
# wrk keeps 64 connections, each pausing `pause-ms` after every response (wrk's Lua
# `delay()`), so the offered rate is about 64 / (pause + latency): ~20k requests/s at 3 ms,
# the same for both proxies to within their latency difference. Needs nginx and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
pause=${3:-3}
source bench/common.sh
start_bandit_proxy
echo "function delay() return $pause end" >"$work/pace.lua"

for round in $(seq "$rounds"); do
  measure nginx-returning 18081 "$cookie_nginx" "$nginx_workers" --latency -s "$work/pace.lua"
  measure bandit-returning 18082 "$cookie_bandit" "$bandit_pid" --latency -s "$work/pace.lua"
  measure nginx-new 18081 "" "$nginx_workers" --latency -s "$work/pace.lua"
  measure bandit-new 18082 "" "$bandit_pid" --latency -s "$work/pace.lua"
  measure nginx-browser 18081 "$browser_cookies$cookie_nginx" "$nginx_workers" --latency -s "$work/pace.lua" \
    "${browser_headers[@]}"
  measure bandit-browser 18082 "$browser_cookies$cookie_bandit" "$bandit_pid" --latency -s "$work/pace.lua" \
    "${browser_headers[@]}"
done

python3 - "$work" "$rounds" <<'PY'
import sys
sys.path.insert(0, "bench")
from wrk_results import medians
work, rounds = sys.argv[1], int(sys.argv[2])
def parse(name):
    m = medians(work, name, rounds)
    return m.rps, {p: m.percentile_ms(p) for p in ("50", "90", "99")}, m.errors
print(f"{'scenario':<11}{'proxy':<14}{'req/s':>9}{'p50':>10}{'p90':>10}{'p99':>10}{'errors':>8}")
for scenario in ["returning", "new", "browser"]:
    rows = {proxy: parse(f"{proxy}-{scenario}") for proxy in ("nginx", "bandit")}
    for proxy, (rps, pct, errors) in rows.items():
        name = "nginx" if proxy == "nginx" else "bandit-proxy"
        print(f"{scenario:<11}{name:<14}{rps:>9.0f}" + "".join(f"{pct[p]:>8.2f}ms" for p in pct) + f"{errors:>8}")
    ratio = rows["bandit"][1]["99"] / rows["nginx"][1]["99"]
    print(f"{'':<11}{'p99 ratio':<14}{'':>9}{'':>20}{ratio:>10.2f}")
print(f"medians of {rounds} rounds; each connection pauses between requests, so both proxies see the same offered load")
PY
