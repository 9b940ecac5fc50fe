#!/usr/bin/env bash
# The Lambda extension end to end: a Node.js function through aws-lambda-ric under `lambdascope local`, with
# the layer's extension and exec wrapper, 20 invocations. Each invocation burns CPU in a function named
# after it (burn_r00 .. burn_r19), so "profile k holds burn_rk and no other burn_rj" proves every profile was
# cut from its own window. Checks: exactly 20 invoke profiles and 1 init profile, keys, labels on every
# sample, cold start only on init and the first invocation, Lambda's numbers in the comments, the handler's
# JS functions by name, go tool pprof reads them, the extension cleans up after itself, and the post-runtime
# time it adds.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
for i in $(seq 0 19); do printf '{"fn":"burn_r%02d","ms":200}\n' "$i"; done >"$tmp/events.jsonl"

cd "$tmp"  # the default destination under local is ./lambdascope-data
"$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" --events events.jsonl \
  --extensions "$tmp/layer/extensions" --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" \
  --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" --env LAMBDASCOPE_HZ=199 --json >out.jsonl 2>err.log ||
  { cat err.log; exit 1; }

python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
results, invokes, init = lp.verify_burn_run(sys.argv[1], "node-burn", handler_frame="handler file:///",
                                            init_frame="aws-lambda-ric")
open(f"{sys.argv[1]}/one.path", "w").write(invokes[results[7]["requestId"]]["path"])
PY

# go tool pprof reads what we store, labels included.
if command -v go >/dev/null; then
  export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOFLAGS= GOTOOLCHAIN=local
  mkdir -p "$HOME" "$PPROF_TMPDIR"
  one=$(cat one.path)
  go tool pprof -tags "$one" >tags.txt 2>pprof.err || { cat pprof.err; exit 1; }
  grep -q "request_id" tags.txt && grep -q "phase" tags.txt && grep -q "invoke" tags.txt ||
    { echo "FAIL: go tool pprof -tags does not show the labels"; cat tags.txt; exit 1; }
  go tool pprof -top -symbolize=none "$one" 2>pprof.err | grep -q "burn_r07" ||
    { echo "FAIL: go tool pprof -top does not show burn_r07"; cat pprof.err; exit 1; }
  echo "ok: go tool pprof reads the profiles and their labels"
fi
