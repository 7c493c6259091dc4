#!/usr/bin/env bash
# Scale: (1) a request whose path matches no experiment, with 1 experiment configured and
# with 1,000, alternating; (2) 10,000 concurrent keep-alive clients against one proxy.
#
#   bench/scale.sh [rounds] [seconds]      (defaults: 3 rounds of 10 s)
#
# Needs nginx and wrk (apt-get install nginx wrk) (the nginx configurations are in bench/nginx).
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)"  # 10,000 clients need as many descriptors, and the proxy twice
source bench/common.sh

# experiments N → a JSON list: experiment i on /page-i/ → /done-i/ (a few are prefixes).
experiments() {
  python3 - "$1" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps([{"name": f"e{i}", "source": f"/page-{i}/" if i % 10 else f"/section-{i}/*",
                   "target": f"/done-{i}/", "algorithm": "thompson"} for i in range(n)]))
PY
}
for n in 1 1000; do
  port=$((18090 + ${#n}))
  cat >"$work/proxy-$n.json" <<JSON
{"listen": "127.0.0.1:$port", "upstream": "http://127.0.0.1:18080", "storage": ":memory:",
 "session": {"secret": "bench-secret-0123456789"}, "experiments": $(experiments "$n"),
 "limits": {"maxUpstreamConnections": 1024}}
JSON
  "$binary" --config "$work/proxy-$n.json" --log-level error &
done
for port in 18080 18081 18091 18094; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done

for round in $(seq "$rounds"); do
  for port in 18091 18094; do
    wrk -t1 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$port/about/" >"$work/unmatched-$port.$round.txt"
  done
done
wrk -t2 -c10000 -d"${seconds}s" --timeout 10s "http://127.0.0.1:18091/about/" >"$work/clients-bandit.txt" || true
wrk -t2 -c10000 -d"${seconds}s" --timeout 10s "http://127.0.0.1:18081/about/" >"$work/clients-nginx.txt" || true

python3 - "$work" "$rounds" <<'PY'
import re, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def rps(name):
    return [float(re.search(r"Requests/sec:\s+([\d.]+)", open(f"{work}/{name}.{r}.txt").read()).group(1))
            for r in range(1, rounds + 1)]
one, many = statistics.median(rps("unmatched-18091")), statistics.median(rps("unmatched-18094"))
print(f"path matching no experiment: 1 experiment {one:.0f} req/s, 1,000 experiments {many:.0f} req/s, "
      f"ratio {many / one:.2f} (medians of {rounds})")
for peer in ["bandit", "nginx"]:
    text = open(f"{work}/clients-{peer}.txt").read()
    served = re.search(r"(\d+) requests in", text)
    errors = re.search(r"Socket errors: (.*)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    print(f"10,000 keep-alive clients, {peer}: {served.group(1) if served else '?'} responses, "
          f"socket errors: {errors.group(1) if errors else 'none'}, non-2xx: {non2xx.group(1) if non2xx else 0}")
print("(the upstream accepts 4,096 connections; bandit-proxy keeps to 1,024 (limits.maxUpstreamConnections),"
      " the requests beyond wait for one)")
PY
