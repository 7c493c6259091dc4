#!/usr/bin/env bash
# Two builds of bandit-proxy side by side, alternating A B A B: is a change faster?
#
#   bench/ab.sh A-binary B-binary [rounds] [seconds]     (defaults: 5 rounds of 5 s)
#
# Both run the benchmark configuration in front of the same nginx upstream; wrk -t1 -c64 for
# returning and new visitors as in bench/run.sh. Prints medians of requests/s and of CPU
# time per request (user + system of the proxy process), and B's change against A.
set -euo pipefail
cd "$(dirname "$0")/.."
a=$(realpath "$1")
b=$(realpath "$2")
set -- "${3:-5}" "${4:-5}"
BANDIT_BINARY=$a
source bench/common.sh
start_bandit_proxy "$a" 18082
pid_a=$bandit_pid cookie_a=$cookie_bandit
start_bandit_proxy "$b" 18083
pid_b=$bandit_pid cookie_b=$cookie_bandit

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() { # name port cookie pid
  local args=(-t1 -c64 -d"${seconds}s") before
  [ -n "$3" ] && args+=(-H "Cookie: $3")
  before=$(cpu_ticks "$4")
  wrk "${args[@]}" "http://127.0.0.1:$2/" >"$work/$1.$round.txt"
  echo $(($(cpu_ticks "$4") - before)) >"$work/$1.$round.cpu"
}
for round in $(seq "$rounds"); do
  run a-returning 18082 "$cookie_a" "$pid_a"
  run b-returning 18083 "$cookie_b" "$pid_b"
  run a-new 18082 "" "$pid_a"
  run b-new 18083 "" "$pid_b"
done

python3 - "$work" "$rounds" "$(getconf CLK_TCK)" <<'PY'
import re, statistics, sys
work, rounds, tick = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def parse(name):
    rps, cpu = [], []
    for r in range(1, rounds + 1):
        text = open(f"{work}/{name}.{r}.txt").read()
        rps.append(float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)))
        requests = int(re.search(r"(\d+) requests in", text).group(1))
        cpu.append(int(open(f"{work}/{name}.{r}.cpu").read()) / tick * 1e6 / requests)
    return statistics.median(rps), statistics.median(cpu)
print(f"{'scenario':<12}{'A req/s':>10}{'B req/s':>10}{'B/A':>7}{'A CPU µs/req':>15}{'B CPU µs/req':>15}{'B/A':>7}")
for scenario in ["returning", "new"]:
    (ra, ca), (rb, cb) = parse(f"a-{scenario}"), parse(f"b-{scenario}")
    print(f"{scenario:<12}{ra:>10.0f}{rb:>10.0f}{rb/ra:>7.2f}{ca:>15.1f}{cb:>15.1f}{cb/ca:>7.2f}")
print(f"medians of {rounds} alternating rounds")
PY
