#!/usr/bin/env bash
# The cost of editing pages: a 100 KiB HTML page through an arm with five html edits against
# the same page through a plain arm, the same binary, alternating A B A B (#10's goal: at
# most 1.5x the CPU per request).
#
#   bench/edits.sh [rounds] [seconds]     (defaults: 5 rounds of 5 s)
#
# BANDIT_BINARY names a release binary (else one is built). Both proxies put every session on
# the arm under test (weights [0, 1]) in front of one nginx serving the page; wrk -t1 -c64 as a
# returning visitor. Prints medians of requests/s and of CPU time per request of each proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
set -- "${1:-5}" "${2:-5}"
source bench/common.sh

# The page: a head, the elements the edits select, and paragraphs up to 100 KiB.
mkdir -p "$work/page/html"
python3 - "$work/page/html/index.html" <<'PY'
import sys
head = ('<!doctype html><html><head><meta charset="utf-8"><title>Pricing</title>'
        '<link rel="stylesheet" href="/static/site.css"></head><body>'
        '<div id="banner">Spring sale</div><main><h1 id="headline">Ship when you are ready</h1>'
        '<p class="lead">Start free, upgrade when it pays.</p><a class="cta" href="/signup/">Sign up</a>')
para = ('<section class="feature"><h2>Feature</h2><p>Lorem ipsum dolor sit amet, <a href="/docs/">'
        'consectetur</a> adipiscing elit, sed do <em>eiusmod</em> tempor incididunt ut labore.</p></section>\n')
body = head
while len(body) < 100 * 1024:
    body += para
open(sys.argv[1], "w").write(body + '</main></body></html>\n')
PY
# nginx's worker runs as another user: it must be able to reach the page in the work folder.
chmod go+rx "$work" "$work/page" "$work/page/html"
chmod go+r "$work/page/html/index.html"
cat >"$work/page/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid page.pid;
error_log page.err warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:18084 reuseport;
    location / { default_type text/html; root html; try_files /index.html =404; }
  }
}
NGINX
nginx -p "$work/page" -c "$work/page/nginx.conf" &

edits='[{"selector": "h1#headline", "text": "Ship faster. Today."},
        {"selector": "a.cta", "attribute": "href", "value": "/signup/?plan=pro"},
        {"selector": "#banner", "remove": true},
        {"selector": "head", "append": "<style>.cta{background:#16a34a}</style>"},
        {"selector": ".lead", "html": "<strong>Free</strong> for 30 days"}]'

# start_page_proxy PORT ARM: every session on ARM, the page server upstream.
start_page_proxy() {
  local listen=$1 arm=$2
  mkdir -p "$work/$listen"
  cat >"$work/$listen/proxy.json" <<JSON
{"listen": "127.0.0.1:$listen", "upstream": "http://127.0.0.1:18084", "storage": ":memory:",
 "session": {"secret": "bench-secret-0123456789"},
 "experiments": [{"name": "headline", "source": "/", "target": "/contact/", "algorithm": "uniform",
                  "arms": ["control", $arm], "weights": [0, 1], "minViews": 1000000000}]}
JSON
  "$binary" --config "$work/$listen/proxy.json" --log-level error &
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$listen/" && break; sleep 0.1; done
  page_pid=$(pgrep -f "$binary --config $work/$listen/proxy.json" | head -1)
  page_cookie=$(curl -s -D - -o /dev/null "http://127.0.0.1:$listen/" | set_cookie)
  page_cookie=$(curl -s -D - -o /dev/null -H "Cookie: $page_cookie" "http://127.0.0.1:$listen/" | set_cookie || true)
}
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:18084/ && break; sleep 0.1; done
start_page_proxy 18085 '"plain"'
pid_a=$page_pid cookie_a=$(curl -s -D - -o /dev/null http://127.0.0.1:18085/ | set_cookie)
start_page_proxy 18086 "{\"name\": \"edited\", \"html\": $edits}"
pid_b=$page_pid cookie_b=$(curl -s -D - -o /dev/null http://127.0.0.1:18086/ | set_cookie)
# The edits apply: the edited page has the new headline, the plain one the old.
curl -s -H "Cookie: $cookie_b" http://127.0.0.1:18086/ | grep -q "Ship faster. Today." || {
  echo "edits.sh: the edited arm's page does not show the edit" >&2
  exit 1
}
curl -s -H "Cookie: $cookie_a" http://127.0.0.1:18085/ | grep -q "Ship when you are ready"

for round in $(seq "$rounds"); do
  measure plain "18085" "$cookie_a" "$pid_a"
  measure edited "18086" "$cookie_b" "$pid_b"
done

python3 - "$work" "$rounds" <<'PY'
import sys
sys.path.insert(0, "bench")
from wrk_results import medians
work, rounds = sys.argv[1], int(sys.argv[2])
plain, edited = medians(work, "plain", rounds), medians(work, "edited", rounds)
print(f"{'arm':<10}{'req/s':>10}{'CPU µs/req':>12}")
print(f"{'plain':<10}{plain.rps:>10.0f}{plain.cpu_us:>12.1f}")
print(f"{'edited':<10}{edited.rps:>10.0f}{edited.cpu_us:>12.1f}")
print(f"edited/plain: requests/s {edited.rps / plain.rps:.2f}, CPU per request {edited.cpu_us / plain.cpu_us:.2f}"
      f" (medians of {rounds} alternating rounds, 100 KiB page, five edits)")
PY
