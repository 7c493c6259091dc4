#!/usr/bin/env bash
# The cost of editing pages: a 100 KiB HTML page through an arm with five html edits against
# the same page through a plain arm, the same binary, alternating (#10's goal: at most 1.5x
# the CPU per request). Twice: a page that is the same on every request (a landing page; the
# proxy remembers its edited bytes and compares instead of editing again) and one that differs
# on every request near its top (nginx SSI writes the request id in it), which is edited
# afresh every time.
#
#   bench/edits.sh [rounds] [seconds]     (defaults: 5 rounds of 5 s)
#
# BANDIT_BINARY names a release binary (else one is built). Every proxy puts every session on
# the arm under test (weights [0, 1]) in front of an nginx serving the page; wrk -t1 -c64 as a
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
# Near the top: on the SSI server, a different id on every request.
body = head + '<p class="request"><!--# echo var="request_id" --></p>'
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
  server {
    listen 127.0.0.1:18087 reuseport;
    location / { default_type text/html; ssi on; root html; try_files /index.html =404; }
  }
}
NGINX
nginx -p "$work/page" -c "$work/page/nginx.conf" &

edits='[{"selector": "h1#headline", "text": "Ship faster. Today."},
        {"selector": "a.cta", "attribute": "href", "value": "/signup/?plan=pro"},
        {"selector": "#banner", "remove": true},
        {"selector": "head", "append": "<style>.cta{background:#16a34a}</style>"},
        {"selector": ".lead", "html": "<strong>Free</strong> for 30 days"}]'

# start_page_proxy PORT ARM UPSTREAM_PORT: every session on ARM, that page server upstream.
start_page_proxy() {
  local listen=$1 arm=$2 upstream=$3
  mkdir -p "$work/$listen"
  cat >"$work/$listen/proxy.json" <<JSON
{"listen": "127.0.0.1:$listen", "upstream": "http://127.0.0.1:$upstream", "storage": ":memory:",
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
for port in 18084 18087; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
done
# (The page is read whole first: with pipefail, grep -q ending early would fail curl's write.)
ssi_page=$(curl -s http://127.0.0.1:18087/)
grep -q '<p class="request">[0-9a-f]' <<<"$ssi_page" || {
  echo "edits.sh: nginx's SSI did not write the request id in the changing page" >&2
  exit 1
}
names=(same-plain same-edited changing-plain changing-edited)
ports=(18085 18086 18088 18089)
pids=() cookies=()
for index in 0 1 2 3; do
  arm='"plain"'
  [[ ${names[$index]} == *-edited ]] && arm="{\"name\": \"edited\", \"html\": $edits}"
  upstream=18084
  [[ ${names[$index]} == changing-* ]] && upstream=18087
  start_page_proxy "${ports[$index]}" "$arm" "$upstream"
  pids+=("$page_pid")
  cookies+=("$(curl -s -D - -o /dev/null "http://127.0.0.1:${ports[$index]}/" | set_cookie)")
done
# The edits apply on the edited arms, not on the plain ones.
for index in 0 1 2 3; do
  page=$(curl -s -H "Cookie: ${cookies[$index]}" "http://127.0.0.1:${ports[$index]}/")
  if [[ ${names[$index]} == *-edited ]]; then want="Ship faster. Today."; else want="Ship when you are ready"; fi
  grep -q "$want" <<<"$page" || {
    echo "edits.sh: ${names[$index]} does not show \"$want\"" >&2
    exit 1
  }
done

for round in $(seq "$rounds"); do
  for index in 0 1 2 3; do
    measure "${names[$index]}" "${ports[$index]}" "${cookies[$index]}" "${pids[$index]}"
  done
done

python3 - "$work" "$rounds" <<'PY'
import sys
sys.path.insert(0, "bench")
from wrk_results import medians
work, rounds = sys.argv[1], int(sys.argv[2])
print(f"{'page':<10}{'arm':<8}{'req/s':>10}{'CPU µs/req':>12}")
for page in ("same", "changing"):
    plain, edited = medians(work, f"{page}-plain", rounds), medians(work, f"{page}-edited", rounds)
    for arm, figures in (("plain", plain), ("edited", edited)):
        print(f"{page:<10}{arm:<8}{figures.rps:>10.0f}{figures.cpu_us:>12.1f}")
    print(f"{page:<10}edited/plain: requests/s {edited.rps / plain.rps:.2f}, CPU per request {edited.cpu_us / plain.cpu_us:.2f}")
print(f"(medians of {rounds} alternating rounds, 100 KiB page, five edits)")
PY
