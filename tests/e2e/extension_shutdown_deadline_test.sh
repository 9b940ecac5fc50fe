#!/usr/bin/env bash
# A SHUTDOWN with too little time left: the extension saves the windows it can, oldest first (the init
# window first), and counts the rest in its SHUTDOWN line. Without the Telemetry API the last invocation's
# window only ends at SHUTDOWN, and a 100 ms budget (`local --shutdown-timeout`) is less than the 150 ms the
# extension keeps to exit, so nothing more can be written then: that window is dropped, and counted, and
# every earlier one was saved in the background. Env: LS_BINARY, LS_SOURCE_DIR.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
for i in $(seq 0 9); do printf '{"fn":"burn_r%02d","ms":200}\n' "$i"; done >"$tmp/events.jsonl"

cd "$tmp"
"$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" --events events.jsonl \
  --memory 128 --timeout 30 --no-telemetry --shutdown-timeout 100 --extensions "$tmp/layer/extensions" \
  --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" \
  --env LAMBDASCOPE_FLUSH=background --env LAMBDASCOPE_HZ=999 --json >out.jsonl 2>err.log ||
  { cat err.log; exit 1; }

python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import json, re, sys
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
tmp = sys.argv[1]
log = open(f"{tmp}/err.log").read()
def check(cond, what):
    if not cond:
        print("FAIL:", what)
        print(log[-4000:])
        sys.exit(1)
results = [json.loads(l) for l in open(f"{tmp}/out.jsonl")]
check(len(results) == 10 and all(r["status"] == "success" for r in results), "10 successful invocations")
ids = [r["requestId"] for r in results]
profiles = lp.stored_profiles(f"{tmp}/lambdascope-data")
saved = {p["request_id"] for p in profiles if p["phase"] == "invoke"}
inits = [p for p in profiles if p["phase"] == "init"]
m = re.search(r"SHUTDOWN \(spindown\): (\d+) profiles written.*?(?:, (\d+) windows dropped: not written before the deadline)?;", log)
check(m, "the SHUTDOWN line")
written, dropped = int(m.group(1)), int(m.group(2) or 0)
print(f"{len(profiles)} profiles stored, {written} written, {dropped} dropped at SHUTDOWN")
check(dropped >= 1, "the last window could not be written in time, and the line counts it")
check(len(inits) == 1, "the init window, the oldest, was saved")
# Oldest first: what was saved is the first invocations, in order, and the rest is what the line counts.
k = len(saved)
check(saved == set(ids[:k]), f"the saved invocations are the oldest {k}")
check(k + 1 + dropped == len(ids) + 1, f"saved {k + 1} + dropped {dropped} windows = {len(ids) + 1}")
print(f"ok: SHUTDOWN with too little time saved the oldest {k + 1} windows and counted the {dropped} it dropped")
PY
