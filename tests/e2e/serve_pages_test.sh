#!/usr/bin/env bash
# The serve pages in headless Chromium (tests/e2e/serve_pages.mjs) over a store the extension writes through
# `lambdascope local`: a Node.js function (tests/lambda/fixtures/node-burn) runs 18 invocations, most burning
# 40 ms in burn_r01 and every fifth 260 ms in burn_r07 (the planted slow function). The pages are served by
# `lambdascope serve` when the binary has it, else by tests/e2e/lib/serve_fixture.mjs, a stand-in that answers
# the same API by running the binary's merge/flamegraph/diff/collapse (LS_SERVE_FIXTURE=1 forces it).
# Screenshots: $LS_BUILD_DIR/serve-screenshots/.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
export LS_BUILD_DIR="${LS_BUILD_DIR:-$(cd "$(dirname "$LS_BINARY")/.." && pwd)}"
tmp=$(mktemp -d)
server=""
cleanup() {
  # A killed server's status is not the test's: set -e must not turn it into the script's exit code.
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
for i in $(seq 0 17); do
  if ((i % 5 == 3)); then echo '{"fn":"burn_r07","ms":260}'; else echo '{"fn":"burn_r01","ms":40}'; fi
done >"$tmp/events.jsonl"
(cd "$tmp" && "$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" --events events.jsonl \
  --extensions "$tmp/layer/extensions" --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" \
  --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" --env LAMBDASCOPE_HZ=199 --json >out.jsonl 2>err.log) ||
  { cat "$tmp/err.log"; exit 1; }
n=$(find "$tmp/lambdascope-data" -name '*_invoke_*.pb.gz' | wc -l)
((n == 18)) || { echo "FAIL: 18 invoke profiles expected in the store, found $n"; tail -20 "$tmp/err.log"; exit 1; }
mkdir "$tmp/files"
# A copy: the server refuses symbolic links that leave the served folder.
cp "$LS_SOURCE_DIR/examples/sample-function.perf.txt" "$tmp/files/"

# Start the server; it prints its URL on its first line. Waiting for that line has a generous deadline.
if [[ "${LS_SERVE_FIXTURE:-0}" != 1 ]] && "$LS_BINARY" --help | grep -qE "^  serve "; then
  "$LS_BINARY" serve "$tmp/lambdascope-data" "$tmp/files" --port 0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
  server=$!
  echo "serving with lambdascope serve"
else
  node "$LS_SOURCE_DIR/web/dev/bundle.mjs" "$tmp/bundle.js" >/dev/null
  node "$LS_SOURCE_DIR/tests/e2e/lib/serve_fixture.mjs" --binary "$LS_BINARY" --bundle "$tmp/bundle.js" \
    --store "$tmp/lambdascope-data" --files "$tmp/files" >"$tmp/serve.out" 2>"$tmp/serve.err" &
  server=$!
  echo "serving with tests/e2e/lib/serve_fixture.mjs (lambdascope serve is not in this binary)"
fi
url=""
for _ in $(seq 1 600); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/serve.out" | head -1 || true)
  [[ -n "$url" ]] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
[[ -n "$url" ]] || { echo "FAIL: the server printed no URL"; cat "$tmp/serve.out" "$tmp/serve.err"; exit 1; }

LS_SERVE_URL="$url" LS_FUNCTION=node-burn LS_SLOW_FN=burn_r07 LS_FAST_FN=burn_r01 \
  LS_FILE=sample-function.perf.txt node "$LS_SOURCE_DIR/tests/e2e/serve_pages.mjs"
