#!/usr/bin/env bash
# Makes the README's screenshots of the demo page and the sandbox's
# verification window (docs/screenshots/*.png):
# it runs the demo (Caddyfile.example) in an in-process Caddy and drives
# headless Chromium through a verified signup and a refused one, as the
# browser tests do. Rerun it whenever the page changes.
#
# Needs chromium and a Korean font (apt-get install chromium fonts-noto-cjk)
# and the demo's ports (2019, 8080-8082): stop a running demo first. When
# unshare works (root on Linux), it runs in a private network namespace, so
# that the ports of other programs do not matter.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$PWD/docs/screenshots"
cmd="go test -count=1 -run '^TestScreenshots\$' -v ./cmd/caddy/"
if unshare --net true 2>/dev/null; then
	SCREENSHOTS_DIR="$out" unshare --net sh -c "ip link set lo up && $cmd" 2>&1
else
	SCREENSHOTS_DIR="$out" sh -c "$cmd" 2>&1
fi | grep -E '^(---|ok|FAIL|PASS)|screenshots_test' || true
ls -l "$out"/*.png
