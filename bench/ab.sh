#!/usr/bin/env bash
# Two builds of bandit-proxy side by side, alternating A B A B: is a change faster?
#
#   bench/ab.sh A-binary B-binary [rounds] [seconds]     (defaults: 5 rounds of 5 s)
#
# B_SETTINGS adds top-level members to B's proxy.json (the same binary twice then measures a
# setting's cost): B_SETTINGS='"limits": {"newSessionsPerMinute": 30},' bench/ab.sh X X
# B_EXPERIMENT adds members to B's experiment: B_EXPERIMENT='"segments": ["device"]' bench/ab.sh X X
# Both run the benchmark configuration in front of the same nginx upstream; wrk -t1 -c64 for
# returning, new and browser visitors as in bench/run.sh. Prints medians of requests/s and of CPU
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
start_bandit_proxy "$b" 18083 "${B_SETTINGS:-}" "${B_EXPERIMENT:-}"
pid_b=$bandit_pid cookie_b=$cookie_bandit

for round in $(seq "$rounds"); do
  measure a-returning 18082 "$cookie_a" "$pid_a"
  measure b-returning 18083 "$cookie_b" "$pid_b"
  measure a-new 18082 "" "$pid_a"
  measure b-new 18083 "" "$pid_b"
  measure a-browser 18082 "$browser_cookies$cookie_a" "$pid_a" "${browser_headers[@]}"
  measure b-browser 18083 "$browser_cookies$cookie_b" "$pid_b" "${browser_headers[@]}"
done

python3 - "$work" "$rounds" <<'PY'
import sys
sys.path.insert(0, "bench")
from wrk_results import medians
work, rounds = sys.argv[1], int(sys.argv[2])
def parse(name):
    m = medians(work, name, rounds)
    return m.rps, m.cpu_us
print(f"{'scenario':<12}{'A req/s':>10}{'B req/s':>10}{'B/A':>7}{'A CPU µs/req':>15}{'B CPU µs/req':>15}{'B/A':>7}")
for scenario in ["returning", "new", "browser"]:
    (ra, ca), (rb, cb) = parse(f"a-{scenario}"), parse(f"b-{scenario}")
    print(f"{scenario:<12}{ra:>10.0f}{rb:>10.0f}{rb/ra:>7.2f}{ca:>15.1f}{cb:>15.1f}{cb/ca:>7.2f}")
print(f"medians of {rounds} alternating rounds")
PY
