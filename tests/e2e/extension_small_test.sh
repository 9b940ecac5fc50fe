#!/usr/bin/env bash
# Small functions lose nothing: the Node.js sample and the C++ sample through `local --memory 128` (about 7%
# of one CPU, shared by the function and the extension; cgroups, see docs/lambda-local.md) with the layer,
# 20 invocations each: 20 invoke profiles and 1 init profile, every one with its handler's functions named
# (the checks of lib/lambda_profiles.py's verify_burn_run). Where cgroups cannot be made, local says so and
# the run is the unlimited one. Env: LS_BINARY, LS_SOURCE_DIR.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
build_dir=$(cd "$(dirname "$LS_BINARY")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"

verify() {  # verify DIR FUNCTION HANDLER_FRAME INIT_FRAME
  python3 - "$1" "$LS_SOURCE_DIR/tests/e2e/lib" "$2" "$3" "$4" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
lp.verify_burn_run(sys.argv[1], sys.argv[3], handler_frame=sys.argv[4], init_frame=sys.argv[5] or None,
                   memory_mb=128, init_samples=sys.argv[5] != "", throttled=True)
PY
}

# Node.js: 400 ms of wall time in burn_rNN per invocation (about 30 ms of CPU at 128 MB).
mkdir "$tmp/node"
for i in $(seq 0 19); do printf '{"fn":"burn_r%02d","ms":400}\n' "$i"; done >"$tmp/node/events.jsonl"
(cd "$tmp/node" && "$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" \
  --events events.jsonl --memory 128 --timeout 30 --extensions "$tmp/layer/extensions" \
  --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" --env LAMBDASCOPE_SPOOL_DIR="$tmp/node/spool" \
  --env LAMBDASCOPE_HZ=199 --env INIT_BURN_MS=150 --json >out.jsonl 2>err.log) || { cat "$tmp/node/err.log"; exit 1; }
# The init profile names the function's own start-up work (150 ms in initBurn as its module loads): the
# runtime's own start-up can take under 100 ms, too short on a busy machine to be sure of a named stack.
verify "$tmp/node" node-burn "handler file:///" initBurn
echo "ok: Node.js at 128 MB: every profile stored"

# C++: the sample custom runtime exec'd through the wrapper.
mkdir -p "$tmp/cpp/cpp-burn"
cp "$build_dir/examples/functions/cpp-bootstrap/bootstrap" "$tmp/cpp/cpp-burn/sample"
cat >"$tmp/cpp/cpp-burn/bootstrap" <<SH
#!/bin/sh
exec "$tmp/layer/lambdascope-wrapper" "\$LAMBDA_TASK_ROOT/sample" "\$@"
SH
chmod +x "$tmp/cpp/cpp-burn/bootstrap"
for i in $(seq 0 19); do printf '{"action":"burn","fn":"burn_r%02d","ms":400}\n' "$i"; done >"$tmp/cpp/events.jsonl"
(cd "$tmp/cpp" && "$LS_BINARY" local --function "$tmp/cpp/cpp-burn" --events events.jsonl --memory 128 \
  --timeout 30 --extensions "$tmp/layer/extensions" --env LAMBDASCOPE_SPOOL_DIR="$tmp/cpp/spool" \
  --env LAMBDASCOPE_HZ=199 --json >out.jsonl 2>err.log) || { cat "$tmp/cpp/err.log"; exit 1; }
verify "$tmp/cpp" cpp-burn main ""
echo "ok: C++ at 128 MB: every profile stored"
