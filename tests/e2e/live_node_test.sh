#!/usr/bin/env bash
# `record --node --listen`, as promfiler was used: JS functions are named (through V8's perf map) on /metrics,
# /flamegraph.json and /debug/pprof/profile. Environment: LS_BINARY, LS_SOURCE_DIR.
set -euo pipefail
bin=${LS_BINARY:?run through ctest}
for tool in node go curl python3; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is not installed"; exit 1; }
done
. "$LS_SOURCE_DIR/tests/e2e/lib/live_server.sh"
live_setup

live_start "$tmp/record.err" --node --listen 0 --metrics-top 5 -o "$tmp/out.pb.gz" -- \
  node "$LS_SOURCE_DIR/tests/live/programs/hot_loop.js" 600 "$tmp/stop"
pids+=("$live_pid")
# Wait (generously) until hotLoop has a series of its own.
deadline=$((SECONDS + 90))
until curl -s "$live_url/metrics" | grep -q '^lambdascope_function_self_seconds_total{function="[^"]*hotLoop'; do
  ((SECONDS < deadline)) || {
    fail "no hotLoop series in /metrics: $(curl -s "$live_url/metrics" | grep function_self)"
    break
  }
  sleep 0.5
done
curl -sf "$live_url/flamegraph.json?seconds=30" | python3 -c '
import json, sys
rows = json.load(sys.stdin)
sys.exit(0 if any("hotLoop" in r["label"] for r in rows) else 1)' || fail "no hotLoop row in /flamegraph.json"
go tool pprof -top "$live_url/debug/pprof/profile?seconds=2" >"$tmp/top" 2>"$tmp/top.err" || fail "go tool pprof: $(cat "$tmp/top.err")"
grep -q "hotLoop" "$tmp/top" || fail "no hotLoop in the pprof endpoint's profile: $(cat "$tmp/top")"

touch "$tmp/stop"
wait "$live_pid" || fail "record exited with $?"
[ "$(cat "$tmp/record.err.out")" = done ] || fail "the program's output: $(cat "$tmp/record.err.out")"
live_finish
