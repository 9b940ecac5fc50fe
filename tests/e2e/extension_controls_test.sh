#!/usr/bin/env bash
# The extension's controls, with the C++ sample custom runtime: LAMBDASCOPE_MIN_DURATION_MS keeps only the
# slow invocations, a bad LAMBDASCOPE_SAMPLE_RATE is one clear log line and the default (never a failed
# invocation), LAMBDASCOPE_FLUSH=invoke writes each profile before the extension's next /event/next (so the
# invocation's post-runtime time shows it), LAMBDASCOPE_ENABLED=0 leaves no profile at all, and without the
# agent in the runtime the extension writes no empty profiles and says why once.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
# shellcheck source=lib/check.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/check.sh"
build_dir=$(cd "$(dirname "$LS_BINARY")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
mkdir "$tmp/cpp-burn"
cp "$build_dir/examples/functions/cpp-bootstrap/bootstrap" "$tmp/cpp-burn/sample"
cat >"$tmp/cpp-burn/bootstrap" <<SH
#!/bin/sh
exec "$tmp/layer/lambdascope-wrapper" "\$LAMBDA_TASK_ROOT/sample" "\$@"
SH
chmod +x "$tmp/cpp-burn/bootstrap"
for i in $(seq 0 9); do
  ms=$((i % 2 == 0 ? 10 : 1000))  # far on each side of LAMBDASCOPE_MIN_DURATION_MS, even on a busy machine
  printf '{"action":"burn","fn":"burn_r%02d","ms":%d}\n' "$i" "$ms"
done >"$tmp/events.jsonl"

cd "$tmp"
"$LS_BINARY" local --function "$tmp/cpp-burn" --events events.jsonl --extensions "$tmp/layer/extensions" \
  --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" --env LAMBDASCOPE_MIN_DURATION_MS=500 \
  --env LAMBDASCOPE_SAMPLE_RATE=lots --env LAMBDASCOPE_FLUSH=invoke --json >out.jsonl 2>err.log ||
  { cat err.log; exit 1; }
mkdir off && cd off
"$LS_BINARY" local --function "$tmp/cpp-burn" --events ../events.jsonl --extensions "$tmp/layer/extensions" \
  --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool-off" --env LAMBDASCOPE_ENABLED=0 --json >out.jsonl 2>err.log ||
  { cat err.log; exit 1; }
cd ..
# The extension without the agent (a bootstrap that does not exec the wrapper): no empty profiles, one line.
mkdir plain plain/fn && cp "$tmp/cpp-burn/sample" plain/fn/sample
printf '#!/bin/sh\nexec "$LAMBDA_TASK_ROOT/sample"\n' >plain/fn/bootstrap && chmod +x plain/fn/bootstrap
(cd plain && "$LS_BINARY" local --function "$tmp/plain/fn" --events ../events.jsonl --extensions "$tmp/layer/extensions" \
  --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool-plain" --json >out.jsonl 2>err.log) || { cat plain/err.log; exit 1; }
grep -q "no profile written: no sample ring from the runtime appeared" plain/err.log ||
  { echo "FAIL: no line about the missing agent"; cat plain/err.log; exit 1; }
[ "$(grep -c "no profile written" plain/err.log)" = 1 ] || { echo "FAIL: the missing agent is said more than once"; exit 1; }
[ ! -d plain/lambdascope-data ] || [ -z "$(find plain/lambdascope-data -type f)" ] ||
  { echo "FAIL: profiles written without an agent"; exit 1; }

python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import json, os, sys
from check import Check
tmp = sys.argv[1]
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
log = open(f"{tmp}/err.log").read()
check = Check(f"{tmp}/err.log", 4000)
results = [json.loads(l) for l in open(f"{tmp}/out.jsonl")]
check(len(results) == 10 and all(r["status"] == "success" for r in results), "a bad setting fails nothing")
check("[lambdascope] LAMBDASCOPE_SAMPLE_RATE='lots' is not valid (expected a fraction from 0 to 1); using 1" in log,
      "the bad value is named in one log line")
profiles = lp.stored_profiles(f"{tmp}/lambdascope-data")
invokes = {p["request_id"]: p for p in profiles if p["phase"] == "invoke"}
slow = [r["requestId"] for i, r in enumerate(results) if i % 2 == 1]
check(set(invokes) == set(slow), f"only the 1000 ms invocations kept: {len(invokes)} of {len(slow)}")
check(len([p for p in profiles if p["phase"] == "init"]) == 1, "init is always kept")
for i, r in enumerate(results):
    if i % 2 == 1:
        check(list(lp.burn_names(invokes[r["requestId"]])) == [f"burn_r{i:02d}"], f"profile {i} is its own")
    # FLUSH=invoke: the extension held each invocation until its profile was written (or skipped).
    check(0 < r["postRuntimeExtensionsDurationMs"] < 1000, f"post-runtime time with FLUSH=invoke: {r}")
check("SHUTDOWN (spindown): 6 profiles written, 6 sent" in log and "5 not kept by sampling" in log, "summary")
off_results = [json.loads(l) for l in open(f"{tmp}/off/out.jsonl")]
check(len(off_results) == 10 and all(r["status"] == "success" for r in off_results), "LAMBDASCOPE_ENABLED=0 runs")
check(not os.path.exists(f"{tmp}/off/lambdascope-data") or not any(os.scandir(f"{tmp}/off/lambdascope-data")),
      "LAMBDASCOPE_ENABLED=0 stores nothing")
check(all(r["postRuntimeExtensionsDurationMs"] < 5 for r in off_results), "and holds nothing")
print("ok: min duration, bad sample rate, FLUSH=invoke, LAMBDASCOPE_ENABLED=0")
PY
