# Shared by bench/run.sh and bench/scale.sh (sourced from the project root):
# rounds, seconds, a work folder removed on exit, the release binary, and the two nginx
# instances of bench/nginx (upstream on 18080, peer proxy on 18081): copies of the peer
# configurations we measure against, so a clone of the repository alone can run them.
rounds=${1:-3}
seconds=${2:-10}
shared=${SHARED_BENCH:-bench/nginx}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; sleep 0.5; rm -rf "$work"' EXIT

# Built as README's deployment section builds it: the Swift runtime linked in statically (its
# calls direct, its thread-locals without `__tls_get_addr`: 1-2% less CPU per request).
release_flags=(-c release --static-swift-stdlib)
if [ -z "${BANDIT_BINARY:-}" ]; then
  swift build "${release_flags[@]}" --product bandit-proxy >/dev/null
  binary=$(swift build "${release_flags[@]}" --show-bin-path)/bandit-proxy
else
  binary=$BANDIT_BINARY
fi

mkdir -p "$work/up" "$work/nx"
nginx -p "$work/up" -c "$(realpath "$shared/upstream-nginx.conf")" &
# NGINX_WORKERS=auto (or a number) runs the peer with that many workers instead of its
# file's setting; its CPU time is then the sum over its workers.
peer_conf=$(realpath "$shared/proxy-nginx.conf")
if [ -n "${NGINX_WORKERS:-}" ]; then
  sed "s/^worker_processes .*;/worker_processes $NGINX_WORKERS;/" "$peer_conf" >"$work/nx/proxy-nginx.conf"
  peer_conf=$work/nx/proxy-nginx.conf
fi
nginx -p "$work/nx" -c "$peer_conf" &

# start_bandit_proxy [binary] [port]: the benchmark configuration (one Thompson experiment on
# /, never decided) on `port` (default 18082), started once the upstream and the nginx peer
# answer. Sets bandit_pid, cookie_bandit (a returning visitor's final cookie: assigned, view
# confirmed) and cookie_nginx (the peer's split cookie).
# A third argument adds top-level members to its proxy.json, e.g.
# '"limits": {"newSessionsPerMinute": 30},'; a fourth adds members to its experiment, e.g.
# '"segments": ["device"]'.
start_bandit_proxy() {
  local program=${1:-$binary} listen=${2:-18082} settings=${3:-} experiment=${4:-}
  mkdir -p "$work/$listen"
  cat >"$work/$listen/proxy.json" <<JSON
{"listen": "127.0.0.1:$listen", "upstream": "http://127.0.0.1:18080", "storage": "bench.sqlite", $settings
 "session": {"secret": "bench-secret-0123456789"},
 "experiments": [{"name": "headline", "source": "/", "target": "/contact/", "arms": ["control", "bold"],
                  "algorithm": "thompson", "header": "X-Bandit-Headline", "minViews": 1000000000${experiment:+, $experiment}}]}
JSON
  "$program" --config "$work/$listen/proxy.json" --log-level error &
  local port
  for port in 18080 18081 "$listen"; do
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  done
  bandit_pid=$(pgrep -f "$program --config $work/$listen/proxy.json" | head -1)
  cookie_bandit=$(curl -s -D - -o /dev/null "http://127.0.0.1:$listen/" | set_cookie)
  # A returning visitor has been back once already: its view is confirmed and its cookie final.
  cookie_bandit=$(curl -s -D - -o /dev/null -H "Cookie: $cookie_bandit" "http://127.0.0.1:$listen/favicon.ico" | set_cookie)
  cookie_nginx=$(curl -s -D - -o /dev/null http://127.0.0.1:18081/ | set_cookie)
  nginx_workers=$(pgrep -P "$(cat "$work/nx/bench-proxy.pid")" | paste -sd' ')
}

# A browser's request, for the "browser" scenario: the headers Chrome sends for a page, and
# 20 analytics cookies (0.8 KB) ahead of the session cookie, as sites collect them.
browser_headers=(
  -H "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
  -H "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
  -H "Accept-Language: en-GB,en;q=0.9" -H "Accept-Encoding: gzip, deflate, br, zstd"
  -H "Sec-Fetch-Dest: document" -H "Sec-Fetch-Mode: navigate" -H "Sec-Fetch-Site: none" -H "Sec-Fetch-User: ?1"
  -H "Upgrade-Insecure-Requests: 1" -H "Referer: http://127.0.0.1/")
browser_cookies=$(for i in $(seq 0 19); do printf '_ga_%d=GA1.1.%d123456789.1700000000; ' "$i" "$i"; done)

# measure NAME PORT COOKIE PIDS [WRK-OPTION...]: wrk -t1 -c64 for `seconds` against PORT (with
# the cookie, if any), its report in $work/NAME.$round.txt, the CPU time (user and system
# clock ticks, before and after) of the processes PIDS (one, or several separated by spaces:
# nginx's workers) in $work/NAME.$round.cpu and their threads'
# context switches (voluntary and involuntary, before and after) in $work/NAME.$round.switches;
# bench/wrk_results.py reads them. CPU time per request is a steadier figure than requests/s
# on a machine where wrk and the upstream share the cores; context switches per request say
# how often the proxy lost its core to them (each costs kernel time and cold caches).
measure() {
  local name=$1 port=$2 cookie=$3 pid=$4 before switches
  shift 4
  local args=(-t1 -c64 -d"${seconds}s" "$@")
  [ -n "$cookie" ] && args+=(-H "Cookie: $cookie")
  before=$(cpu_ticks "$pid")
  switches=$(context_switches "$pid")
  wrk "${args[@]}" "http://127.0.0.1:$port/" >"$work/$name.$round.txt"
  echo "$before $(cpu_ticks "$pid")" >"$work/$name.$round.cpu"
  echo "$switches $(context_switches "$pid")" >"$work/$name.$round.switches"
}
cpu_ticks() { # PIDS
  local pid files=()
  for pid in $1; do files+=("/proc/$pid/stat"); done
  awk '{u+=$14; s+=$15} END{print u, s}' "${files[@]}"
}
context_switches() { # PIDS
  local pid files=()
  for pid in $1; do files+=(/proc/"$pid"/task/*/status); done
  cat "${files[@]}" | awk '/^voluntary_ctxt_switches/{v+=$2} /^nonvoluntary_ctxt_switches/{n+=$2} END{print v, n}'
}
set_cookie() { tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p'; }
