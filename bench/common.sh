# Shared by bench/run.sh and bench/scale.sh (sourced from the project root):
# rounds, seconds, a work folder removed on exit, the release binary, and the two nginx
# instances of ../shared/bench (upstream on 18080, peer proxy on 18081).
rounds=${1:-3}
seconds=${2:-10}
shared=${SHARED_BENCH:-../shared/bench}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; sleep 0.5; rm -rf "$work"' EXIT

if [ -z "${BANDIT_BINARY:-}" ]; then
  swift build -c release --product bandit-proxy >/dev/null
  binary=$(swift build -c release --show-bin-path)/bandit-proxy
else
  binary=$BANDIT_BINARY
fi

mkdir -p "$work/up" "$work/nx"
nginx -p "$work/up" -c "$(realpath "$shared/upstream-nginx.conf")" &
nginx -p "$work/nx" -c "$(realpath "$shared/proxy-nginx.conf")" &
