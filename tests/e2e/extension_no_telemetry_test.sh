#!/usr/bin/env bash
# The extension without the Telemetry API (`local --no-telemetry` answers the subscription the way AWS's
# emulator does: 202 Telemetry.NotSupported): it falls back to INVOKE-to-INVOKE windows and says so on every
# profile (label window=invoke-to-invoke and a comment). Still one profile per invocation plus init, and
# still only its own burn_rNN in each: nothing burns between invocations.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
for i in $(seq 0 9); do printf '{"fn":"burn_r%02d","ms":150}\n' "$i"; done >"$tmp/events.jsonl"

cd "$tmp"
"$LS_BINARY" local --no-telemetry --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" --events events.jsonl \
  --extensions "$tmp/layer/extensions" --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" \
  --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" --env LAMBDASCOPE_HZ=199 --json >out.jsonl 2>err.log ||
  { cat err.log; exit 1; }

grep -q "the Telemetry API is not supported here" err.log || { echo "FAIL: no log line about the fallback"; cat err.log; exit 1; }
python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
results, invokes, init = lp.verify_burn_run(sys.argv[1], "node-burn", handler_frame="handler file:///",
                                            init_frame="aws-lambda-ric", telemetry=False)
if not all(s["labels"].get("window") == "invoke-to-invoke" for s in init["samples"]):
    print("FAIL: the init profile is not marked invoke-to-invoke")
    sys.exit(1)
print("ok: INVOKE-to-INVOKE windows, marked")
PY
