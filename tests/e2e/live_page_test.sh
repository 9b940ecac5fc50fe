#!/usr/bin/env bash
# The live flame graph page (GET /) of `record --listen`, in headless Chromium through playwright-core
# (tests/e2e/live_page.mjs). A missing browser, node or playwright-core is a failure, never a skip.
# Environment: LS_BINARY, LS_SOURCE_DIR.
set -euo pipefail
bin=${LS_BINARY:?run through ctest}
: "${LS_SOURCE_DIR:?LS_SOURCE_DIR must point at the repository}"
command -v node >/dev/null || { echo "FAIL: node is not installed"; exit 1; }
[[ -x "${LS_CHROMIUM:-/usr/bin/chromium}" ]] || { echo "FAIL: no Chromium (set LS_CHROMIUM)"; exit 1; }
[[ -d "$LS_SOURCE_DIR/node_modules/playwright-core" ]] || { echo "FAIL: node_modules/playwright-core is missing"; exit 1; }
. "$LS_SOURCE_DIR/tests/e2e/lib/live_server.sh"
live_setup

live_compile hot_cold
live_start "$tmp/record.err" --listen 0 -o "$tmp/out.pb.gz" -- "$tmp/hot_cold" 600 "$tmp/stop"
pids+=("$live_pid")
# Some samples first, so that the page has something to draw.
deadline=$((SECONDS + 60))
until curl -s "$live_url/metrics" | grep -q '^lambdascope_function_self_seconds_total{function="hot"}'; do
  ((SECONDS < deadline)) || { echo "FAIL: no samples of hot"; exit 1; }
  sleep 0.2
done
node "$LS_SOURCE_DIR/tests/e2e/live_page.mjs" "$live_url"
touch "$tmp/stop"
wait "$live_pid"
