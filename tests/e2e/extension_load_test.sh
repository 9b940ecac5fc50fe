#!/usr/bin/env bash
# The extension on a busy machine: five CPU-bound processes (`yes`, started and killed by this test) beside
# the Node.js sample under `local` with the layer at the default memory, three runs in a row, 20 invocations
# each: every profile stored every time (lib/lambda_profiles.py's verify_burn_run). Each handler burns 400 ms
# of wall time, so that even with the CPU shared ten ways it holds a few samples. Env: LS_BINARY,
# LS_SOURCE_DIR.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d)
busy=()
cleanup() {
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
for _ in 1 2 3 4 5; do
  yes >/dev/null &
  busy+=($!)
done

for run in 1 2 3; do
  dir=$tmp/run$run
  mkdir "$dir"
  for i in $(seq 0 19); do printf '{"fn":"burn_r%02d","ms":400}\n' "$i"; done >"$dir/events.jsonl"
  (cd "$dir" && "$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" \
    --events events.jsonl --timeout 30 --extensions "$tmp/layer/extensions" \
    --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" --env LAMBDASCOPE_SPOOL_DIR="$dir/spool" \
    --env LAMBDASCOPE_HZ=199 --json >out.jsonl 2>err.log) || { cat "$dir/err.log"; exit 1; }
  python3 - "$dir" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
lp.verify_burn_run(sys.argv[1], "node-burn", handler_frame="handler file:///", init_frame="aws-lambda-ric")
PY
  echo "ok: run $run of 3 beside five CPU-bound processes: every profile stored"
done
