#!/usr/bin/env bash
# Flood benchmark of caddy-iamport (issue 12): guessed ids against a site,
# beside legitimate verifications.
#
#   bench/flood.sh [flood flags...]   e.g. bench/flood.sh -duration 5s -attackers 500
#
# Builds Caddy with the plugin (and caddy-ratelimit) and the flood program
# into bench/out/, starts Caddy with bench/flood.Caddyfile (sites on
# 127.0.0.1:18180-18191, admin on 127.0.0.1:18119), then runs bench/flood.
# With the defaults (three scenarios of 10 s) it takes about 45 s. Caddy's
# log goes to bench/out/flood-caddy.log. Nothing listens beyond loopback.
set -euo pipefail

cd "$(dirname "$0")/.."
source bench/lib.sh
out=bench/out
build_bench "$out" flood

require_free_ports 18119 18180 18181 18190 18191 18199

caddy_pid=""
cleanup() { stop_process "$caddy_pid"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

export XDG_CONFIG_HOME="$PWD/$out/xdg/config" XDG_DATA_HOME="$PWD/$out/xdg/data"
"$out/caddy" run --config bench/flood.Caddyfile --adapter caddyfile >"$out/flood-caddy.log" 2>&1 &
caddy_pid=$!
echo "machine: $(nproc) CPUs, $(go version); caddy pid $caddy_pid"
timeout 300 "$out/flood" -caddy-pid "$caddy_pid" "$@"
