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

run() { # name port cookie
  local args=(-t1 -c64 -d"${seconds}s" --latency -s "$work/pace.lua")
  [ -n "$3" ] && args+=(-H "Cookie: $3")
  wrk "${args[@]}" "http://127.0.0.1:$2/" >"$work/$1.$round.txt"
}
for round in $(seq "$rounds"); do
  run nginx-returning 18081 "$cookie_nginx"
  run bandit-returning 18082 "$cookie_bandit"
  run nginx-new 18081 ""
  run bandit-new 18082 ""
done

python3 - "$work" "$rounds" <<'PY'
import re, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
unit = {"us": 0.001, "ms": 1, "s": 1000}
def parse(name):
    rps, pct, errors = [], {p: [] for p in ("50", "90", "99")}, 0
    for r in range(1, rounds + 1):
        text = open(f"{work}/{name}.{r}.txt").read()
        rps.append(float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)))
        for p in pct:
            m = re.search(rf"\b{p}%\s+([\d.]+)(us|ms|s)\b", text)
            pct[p].append(float(m.group(1)) * unit[m.group(2)])
        e = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        errors += int(e.group(1)) if e else 0
        s = re.search(r"Socket errors: .*", text)
        if s: errors += sum(int(x) for x in re.findall(r"\d+", s.group(0)))
    return statistics.median(rps), {p: statistics.median(v) for p, v in pct.items()}, errors
print(f"{'scenario':<11}{'proxy':<14}{'req/s':>9}{'p50':>10}{'p90':>10}{'p99':>10}{'errors':>8}")
for scenario in ["returning", "new"]:
    rows = {proxy: parse(f"{proxy}-{scenario}") for proxy in ("nginx", "bandit")}
    for proxy, (rps, pct, errors) in rows.items():
        name = "nginx" if proxy == "nginx" else "bandit-proxy"
        print(f"{scenario:<11}{name:<14}{rps:>9.0f}" + "".join(f"{pct[p]:>8.2f}ms" for p in pct) + f"{errors:>8}")
    ratio = rows["bandit"][1]["99"] / rows["nginx"][1]["99"]
    print(f"{'':<11}{'p99 ratio':<14}{'':>9}{'':>20}{ratio:>10.2f}")
print(f"medians of {rounds} rounds; each connection pauses between requests, so both proxies see the same offered load")
PY
