#!/usr/bin/env bash
# A real-browser check of the dashboard: runs `bandit-proxy demo` with simulated visitors,
# renders /__bandits in headless Chromium, and checks that the screenshot is not blank and
# that the page names every experiment and arm the API reports.
#
#   scripts/dashboard-screenshot.sh [screenshot.png]
#
# Needs chromium (Debian: apt-get install chromium), curl and python3. Environment:
#   SCRATCH_PATH   swift build --scratch-path (default .build)
#   BUILD_FLAGS    more `swift build` options, e.g. README's deployment build
#                  "-c release --static-swift-stdlib" (default: none, a debug build)
#   VISITORS       simulated visitors to wait for before the screenshot (default 400)
#   PORT           proxy port (default: a free one)
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-.build/dashboard-screenshot.png}"
scratch="${SCRATCH_PATH:-.build}"
visitors="${VISITORS:-400}"
port="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
work="$(mktemp -d)"

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null; then browser="$candidate"; break; fi
done
if [ -z "$browser" ]; then
  echo "dashboard-screenshot: no chromium found (apt-get install chromium)" >&2
  exit 1
fi

read -r -a build_flags <<<"${BUILD_FLAGS:-}"
swift build --scratch-path "$scratch" "${build_flags[@]}" --product bandit-proxy
bin="$(swift build --scratch-path "$scratch" "${build_flags[@]}" --show-bin-path)/bandit-proxy"

"$bin" demo --port "$port" --visitors-per-second 400 >"$work/demo.log" 2>&1 &
demo=$!
cleanup() {
  kill "$demo" 2>/dev/null || true
  wait "$demo" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

base="http://127.0.0.1:$port/__bandits"
fail() {
  echo "dashboard-screenshot: $*" >&2
  echo "--- demo output:" >&2
  tail -20 "$work/demo.log" >&2 || true
  exit 1
}

# Wait for the proxy, then for the visitors (views of every experiment together).
for _ in $(seq 1 150); do
  curl -fsS "$base/health" >/dev/null 2>&1 && break
  kill -0 "$demo" 2>/dev/null || fail "the demo exited early"
  sleep 0.2
done
curl -fsS "$base/health" >/dev/null || fail "the proxy did not come up on port $port"
views=0
for _ in $(seq 1 600); do
  views="$(curl -fsS "$base/api/experiments" | python3 -c '
import json, sys
print(sum(arm["views"] for e in json.load(sys.stdin)["experiments"] for arm in e["arms"]))')" || views=0
  [ "$views" -ge "$visitors" ] && break
  sleep 0.2
done
[ "$views" -ge "$visitors" ] || fail "only $views of $visitors views after two minutes"
sleep 1.2 # one flush interval (500 ms) and then some, so the hourly series holds the traffic

# The page names every experiment and arm.
curl -fsS "$base/api/experiments" >"$work/api.json"
curl -fsS "$base" >"$work/page.html"
python3 - "$work/api.json" "$work/page.html" <<'EOF' || fail "the page misses experiments or arms"
import json, sys
experiments = json.load(open(sys.argv[1]))["experiments"]
page = open(sys.argv[2], encoding="utf-8").read()
names = [e["name"] for e in experiments] + [a["name"] for e in experiments for a in e["arms"]]
missing = [n for n in names if n not in page]
if not experiments or missing:
    sys.exit(f"missing from the dashboard: {missing or 'every experiment'}")
for bad in ("NaN", "Infinity"):
    if bad in page:
        sys.exit(f"{bad} in the page")
svgs = page.count("<svg")
if svgs < 4 * len(experiments):
    sys.exit(f"{svgs} charts for {len(experiments)} experiments")
print(f"page names {len(experiments)} experiment(s) and their arms: {', '.join(names)}; {svgs} charts")
EOF

mkdir -p "$(dirname "$out")"
rm -f "$out"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions \
  --user-data-dir="$work/profile" --screenshot="$out" --window-size=1280,2000 "$base" >"$work/browser.log" 2>&1 ||
  { cat "$work/browser.log" >&2; fail "chromium failed"; }
[ -s "$out" ] || { cat "$work/browser.log" >&2; fail "no screenshot written"; }

# Not blank: decode the PNG (zlib and the five row filters) and count its colours.
python3 - "$out" <<'EOF' || fail "the screenshot looks blank"
import struct, sys, zlib
from collections import Counter

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width = 8, b"", 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, colour_type = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and colour_type in (2, 6), f"unexpected PNG format {depth}/{colour_type}"
        channels = 3 if colour_type == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * channels
previous = bytearray(stride)
colours = Counter()
for row in range(height):
    start = row * (stride + 1)
    kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
    if kind == 1:
        for i in range(channels, stride):
            line[i] = (line[i] + line[i - channels]) & 255
    elif kind == 2:
        line = bytearray((a + b) & 255 for a, b in zip(line, previous))
    elif kind == 3:
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            line[i] = (line[i] + ((left + previous[i]) >> 1)) & 255
    elif kind == 4:
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = previous[i], previous[i - channels] if i >= channels else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if row % 4 == 0:  # every fourth row is plenty to tell a page from a blank
        colours.update(bytes(line[i:i + 3]) for i in range(0, stride, channels * 2))
    previous = line
total = sum(colours.values())
top_share = colours.most_common(1)[0][1] / total
print(f"screenshot {width}x{height}: {len(colours)} distinct colours, the commonest covers {top_share:.0%}")
if len(colours) < 64 or top_share > 0.97:
    sys.exit("too few colours: blank or nearly")
EOF
echo "dashboard screenshot: $out"
