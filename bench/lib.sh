# Shell functions the benchmark scripts (bench/run.sh, bench/flood.sh) share.
# Source it; it defines functions only.

# build_bench OUT PROGRAM: builds Caddy with the plugin (./cmd/caddy) and
# the benchmark program ./bench/PROGRAM into the directory OUT.
build_bench() {
	local out=$1 program=$2
	mkdir -p "$out"
	echo "building Caddy and the $program program into $out/"
	go build -o "$out/caddy" ./cmd/caddy
	go build -o "$out/$program" "./bench/$program"
}

# require_free_ports PORT...: exits 1 when anything listens on one of the
# loopback ports the benchmark needs.
require_free_ports() {
	local port
	for port in "$@"; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "port 127.0.0.1:$port is already in use; stop whatever holds it" >&2
			exit 1
		fi
	done
}

# stop_process PID: stops PID (when set and alive) with SIGTERM, waits up to
# 5 s for it to end, then kills it.
stop_process() {
	local pid=$1
	if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
}
