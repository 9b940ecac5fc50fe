#!/usr/bin/env bash
# "Opens in speedscope": converts profiles with `lambdascope convert --to speedscope` and loads each one in
# speedscope's own web app (node_modules/speedscope/dist/release) in headless Chromium (speedscope_open.mjs).
# Inputs: a V8 .cpuprofile (counts and wall time), a two-thread Chrome trace, a speedscope file, and perf
# script text. Screenshots go to <build>/e2e-speedscope/. Anything missing (the
# binary, node, the app, playwright-core, Chromium) fails the test; nothing is skipped.
set -euo pipefail

# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ -n "${LS_BINARY:-}" ] && [ -x "$LS_BINARY" ] || fail "LS_BINARY does not name the built lambdascope binary"
[ -n "${LS_SHARED_DATA:-}" ] && [ -d "$LS_SHARED_DATA" ] || fail "LS_SHARED_DATA does not name the shared data folder"
command -v node >/dev/null || fail "node is not installed"
app=$root/node_modules/speedscope/dist/release
[ -f "$app/index.html" ] || fail "speedscope's web app is not at $app (npm ci)"
[ -f "$root/node_modules/playwright-core/package.json" ] || fail "playwright-core is not installed (npm ci)"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is not installed (bash scripts/setup.sh)"

shots=$(cd "$(dirname "$LS_BINARY")/.." && pwd)/e2e-speedscope
mkdir -p "$shots"
work=$(mktemp -d)
node_pid=
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

convert() {  # convert NAME INPUT [options...]
  local name=$1 input=$2
  shift 2
  "$LS_BINARY" convert --to speedscope "$@" "$input" -o "$work/$name.speedscope.json" ||
    fail "lambdascope convert --to speedscope $* $input"
  files+=("$work/$name.speedscope.json")
}
files=()
convert node-busy "$LS_SHARED_DATA/cpuprofile/node-busy.cpuprofile"
convert node-busy-wall "$LS_SHARED_DATA/cpuprofile/node-busy.cpuprofile" --weight wall
convert worker-trace "$LS_SHARED_DATA/cpuprofile/chrome-trace/worker.json"
convert two-sampled "$LS_SHARED_DATA/speedscope/speedscope-samples/0.6.0/two-sampled.speedscope.json"
convert perf-small "$LS_SHARED_DATA/perf-script/perf-small.txt"

node "$here/speedscope_open.mjs" "$app" "$shots" "${files[@]}" &
node_pid=$!
status=0
wait "$node_pid" || status=$?
node_pid=
exit "$status"
