#!/usr/bin/env bash
# Throughput and latency of bandit-proxy against nginx, same machine, same run, alternating.
#
#   bench/run.sh [rounds] [seconds]      (defaults: 3 rounds of 10 s per proxy and scenario)
#
# Needs nginx and wrk (apt-get install nginx wrk) and ../shared/bench beside the project.
# Scenarios: "returning" visitors send a valid session cookie already assigned to an arm;
# "new" visitors send none, so every request creates a session, picks an arm by Thompson
# sampling, counts a view and sets a cookie.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
start_bandit_proxy

# CPU time (user and system, in clock ticks) a process has used: per request, it is a steadier
# figure than requests/s on a machine where wrk and the upstream share the cores.
cpu_ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }
nginx_worker=$(pgrep -P "$(cat "$work/nx/bench-proxy.pid")" | head -1)
run() { # name port cookie pid
  local args=(-t1 -c64 -d"${seconds}s" --latency) before
  [ -n "$3" ] && args+=(-H "Cookie: $3")
  before=$(cpu_ticks "$4")
  wrk "${args[@]}" "http://127.0.0.1:$2/" >"$work/$1.$round.txt"
  echo "$before $(cpu_ticks "$4")" >"$work/$1.$round.cpu"
}
for round in $(seq "$rounds"); do
  run nginx-returning 18081 "$cookie_nginx" "$nginx_worker"
  run bandit-returning 18082 "$cookie_bandit" "$bandit_pid"
  run nginx-new 18081 "" "$nginx_worker"
  run bandit-new 18082 "" "$bandit_pid"
done
rss=$(ps -o rss= -p "$bandit_pid" | tr -d ' ')

python3 - "$work" "$rounds" "$rss" "$(getconf CLK_TCK)" <<'PY'
import re, statistics, sys
work, rounds, rss, tick = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def parse(name):
    rps, p99, cpu, user, system, errors = [], [], [], [], [], 0
    for r in range(1, rounds + 1):
        text = open(f"{work}/{name}.{r}.txt").read()
        rps.append(float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)))
        requests = int(re.search(r"(\d+) requests in", text).group(1))
        u0, s0, u1, s1 = map(int, open(f"{work}/{name}.{r}.cpu").read().split())
        per_request = lambda ticks: ticks / tick * 1e6 / requests
        user.append(per_request(u1 - u0)); system.append(per_request(s1 - s0))
        cpu.append(per_request(u1 - u0 + s1 - s0))
        m = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
        p99.append(float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)])
        e = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        errors += int(e.group(1)) if e else 0
        s = re.search(r"Socket errors: .*", text)
        if s: errors += sum(int(x) for x in re.findall(r"\d+", s.group(0)))
    cpu = f"{statistics.median(cpu):.1f} ({statistics.median(user):.1f}+{statistics.median(system):.1f})"
    return statistics.median(rps), statistics.median(p99), cpu, errors
print(f"{'scenario':<12}{'nginx req/s':>14}{'bandit req/s':>14}{'ratio':>8}{'nginx p99':>12}{'bandit p99':>12}"
      f"{'nginx CPU µs/req':>20}{'bandit CPU µs/req':>20}{'errors':>8}")
for scenario in ["returning", "new"]:
    n, b = parse(f"nginx-{scenario}"), parse(f"bandit-{scenario}")
    print(f"{scenario:<12}{n[0]:>14.0f}{b[0]:>14.0f}{b[0]/n[0]:>8.2f}{n[1]:>10.2f}ms{b[1]:>10.2f}ms"
          f"{n[2]:>20}{b[2]:>20}{b[3]:>8}")
print(f"medians of {rounds} rounds; CPU per request is user+system of the proxy process (nginx: its worker)")
print(f"bandit-proxy resident memory after the run: {rss/1024:.1f} MiB")
PY
