#!/usr/bin/env bash
# A real-browser check of experiments that need no code in the site: a static page served by
# python3's http.server sits behind `bandit-proxy run`, with an experiment whose arm edits
# the page's headline and whose goal is a click on `a.cta`. Headless Chromium loads the page
# as that arm (forced, and recorded so that it counts); the page's own script clicks the
# goal element twice after load. Checks: the rendered DOM has the new headline and the goal
# script's tag, and /__bandits/api/experiments counts exactly one view and one conversion.
#
#   scripts/browser-page-check.sh
#
# Needs chromium (Debian: apt-get install chromium), curl and python3. Environment:
#   SCRATCH_PATH   swift build --scratch-path (default .build)
#   BUILD_FLAGS    more `swift build` options, e.g. "-c release --static-swift-stdlib"
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="${SCRATCH_PATH:-.build}"
work="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
site_port="$(free_port)"
proxy_port="$(free_port)"

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null; then browser="$candidate"; break; fi
done
[ -n "$browser" ] || { echo "browser-page-check: no chromium found (apt-get install chromium)" >&2; exit 1; }

read -r -a build_flags <<<"${BUILD_FLAGS:-}"
swift build --scratch-path "$scratch" "${build_flags[@]}" --product bandit-proxy
bin="$(swift build --scratch-path "$scratch" "${build_flags[@]}" --show-bin-path)/bandit-proxy"

# The site: one page with no experiment code. Its script stands in for a visitor's clicks.
mkdir -p "$work/site"
cat >"$work/site/index.html" <<'HTML'
<!doctype html>
<html><head><meta charset="utf-8"><title>Acme</title></head>
<body>
<h1 id="headline">A tool that helps you ship</h1>
<p><a class="cta" href="#signup"><span>Sign up</span></a></p>
<script>
  window.addEventListener("load", function () {
    var cta = document.querySelector("a.cta span");
    cta.click();
    cta.click();
    document.body.setAttribute("data-clicked", "2");
  });
</script>
</body></html>
HTML

cat >"$work/proxy.json" <<JSON
{
  "listen": "127.0.0.1:$proxy_port",
  "upstream": "http://127.0.0.1:$site_port",
  "storage": ":memory:",
  "flushIntervalMs": 100,
  "experiments": [
    {"name": "headline", "source": "/", "target": {"click": "a.cta"},
     "arms": ["control", {"name": "bold", "html": [{"selector": "h1#headline", "text": "Ship faster. Today."}]}]}
  ]
}
JSON

python3 -m http.server "$site_port" --bind 127.0.0.1 --directory "$work/site" >"$work/site.log" 2>&1 &
site=$!
"$bin" run --config "$work/proxy.json" >"$work/proxy.log" 2>&1 &
proxy=$!
cleanup() {
  kill "$proxy" "$site" 2>/dev/null || true
  wait "$proxy" "$site" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "browser-page-check: $*" >&2
  echo "--- proxy output:" >&2
  tail -20 "$work/proxy.log" >&2 || true
  exit 1
}

base="http://127.0.0.1:$proxy_port"
for _ in $(seq 1 150); do
  curl -fsS "$base/__bandits/health" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:$site_port/" >/dev/null 2>&1 && break
  kill -0 "$proxy" 2>/dev/null || fail "the proxy exited early"
  sleep 0.2
done
curl -fsS "$base/__bandits/health" >/dev/null || fail "the proxy did not come up on port $proxy_port"

# The virtual-time budget lets the page load, run its clicks and send the beacon before
# the DOM is printed and the browser quits.
"$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
  --user-data-dir="$work/profile" --virtual-time-budget=5000 --dump-dom \
  "$base/?bandit_force_headline=bold&bandit_record=1" >"$work/dom.html" 2>"$work/browser.log" ||
  { cat "$work/browser.log" >&2; fail "chromium failed"; }

python3 - "$work/dom.html" <<'PY' || fail "the rendered page is not the edited one"
import sys
dom = open(sys.argv[1], encoding="utf-8").read()
checks = {
    "the arm's headline": '<h1 id="headline">Ship faster. Today.</h1>',
    "the goal script's tag": 'data-experiments="headline"',
    "the page's clicks ran": 'data-clicked="2"',
}
missing = [name for name, text in checks.items() if text not in dom]
if missing:
    sys.exit(f"missing from the DOM: {', '.join(missing)}\n{dom[:2000]}")
print("chromium rendered the edited headline, with the goal script")
PY

# The beacon is counted when it arrives: wait for it, then make sure no second one counts.
counts() {
  curl -fsS "$base/__bandits/api/experiments" | python3 -c '
import json, sys
arms = json.load(sys.stdin)["experiments"][0]["arms"]
print(" ".join("%s:%d/%d" % (a["name"], a["views"], a["conversions"]) for a in arms))'
}
expected="control:0/0 bold:1/1"
seen=""
for _ in $(seq 1 100); do
  seen="$(counts)"
  [ "$seen" = "$expected" ] && break
  sleep 0.1
done
[ "$seen" = "$expected" ] || fail "expected one view and one conversion for bold (views/conversions), got $seen"
sleep 1 # a second conversion, if the two clicks made one, would have arrived by now
seen="$(counts)"
[ "$seen" = "$expected" ] || fail "two clicks counted more than one conversion: $seen"
echo "browser page check: views/conversions $seen"
