#!/usr/bin/env bash
# Load benchmark of caddy-iamport against plain reverse_proxy (issue 4).
#
#   bench/run.sh [load flags...]      e.g. bench/run.sh -rounds 3 -duration 2s
#
# Builds Caddy with the plugin and the load program once into bench/out/,
# starts Caddy with bench/Caddyfile (all sites on 127.0.0.1:18081-18091,
# admin on 127.0.0.1:18019), then runs bench/load, which serves the upstream
# on 127.0.0.1:18099, fires the cold-start burst and the timed rounds, and
# prints the report. With the defaults (5 rounds x 4 configurations x 3 s,
# 1 s warm-up each) it takes about 75 s on a 2-core machine. Caddy is
# stopped on every exit path; nothing listens beyond loopback.
set -euo pipefail

cd "$(dirname "$0")/.."
source bench/lib.sh
out=bench/out
build_bench "$out" load

require_free_ports 18019 18081 18082 18083 18084 18085 18090 18091 18099

caddy_pid=""
load_pid=""
cleanup() {
	if [[ -n "$load_pid" ]] && kill -0 "$load_pid" 2>/dev/null; then
		kill "$load_pid" 2>/dev/null || true
	fi
	stop_process "$caddy_pid"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# On a machine with two or more CPUs, Caddy gets the first half of them and
# the load program (client and upstream) the other half, with GOMAXPROCS to
# match, so that the two do not take turns on the same cores; this makes
# same-round comparisons much steadier. BENCH_PIN=0 turns it off.
pin_caddy=()
pin_load=()
ncpu=$(nproc)
if [[ "${BENCH_PIN:-1}" != 0 ]] && command -v taskset >/dev/null && ((ncpu >= 2)); then
	half=$((ncpu / 2))
	pin_caddy=(taskset -c "0-$((half - 1))" env GOMAXPROCS="$half")
	pin_load=(taskset -c "$half-$((ncpu - 1))" env GOMAXPROCS="$((ncpu - half))")
	echo "pinning: Caddy on CPUs 0-$((half - 1)), the load program on CPUs $half-$((ncpu - 1))"
fi

# Caddy keeps nothing outside bench/out; its log (one line per verification
# at INFO, as in production) goes to a file rather than the terminal.
export XDG_CONFIG_HOME="$PWD/$out/xdg/config" XDG_DATA_HOME="$PWD/$out/xdg/data"
"${pin_caddy[@]}" "$out/caddy" run --config bench/Caddyfile --adapter caddyfile >"$out/caddy.log" 2>&1 &
caddy_pid=$!

echo "machine: $(nproc) CPUs, $(go version)"
echo "caddy pid $caddy_pid, log $out/caddy.log"
# The load program waits up to 20 s for Caddy's sites and then runs for a
# bounded time; timeout is a last resort.
timeout 170 "${pin_load[@]}" "$out/load" -caddy-pid "$caddy_pid" -clk-tck "$(getconf CLK_TCK)" "$@" &
load_pid=$!
wait "$load_pid"
