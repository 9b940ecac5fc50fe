#!/usr/bin/env bash
# `lambdascope local --no-telemetry` answers Telemetry API subscriptions as AWS's Runtime Interface Emulator
# does (202 with Telemetry.NotSupported) and delivers nothing; everything else works as usual.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
# shellcheck source=lib/check.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/check.sh"
build_dir=$(cd "$(dirname "$LS_BINARY")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/extensions"
ln -s "$build_dir/tests/lambda/fixtures/recorder" "$tmp/extensions/recorder"

echo '{"n":1}' | "$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-function" --events - \
  --invocations 3 --no-telemetry --extensions "$tmp/extensions" --env LS_RECORDER_OUT="$tmp" \
  >"$tmp/out.txt" 2>"$tmp/err.log" || { cat "$tmp/err.log"; exit 1; }

python3 - "$tmp" <<'PY'
import json, sys
from check import Check
tmp = sys.argv[1]
out = [json.loads(l) for l in open(f"{tmp}/out.txt")]
rec = [json.loads(l) for l in open(f"{tmp}/recorder.jsonl")]

check = Check()

check(len(out) == 3 and all(o["event"]["n"] == 1 for o in out), "three responses on stdout (the event repeats)")
sub = [r for r in rec if r["kind"] == "subscribe"]
check(len(sub) == 1 and sub[0]["status"] == 202, f"subscription answered 202: {sub}")
check(sub[0]["body"] == {"errorMessage": "Telemetry API is not supported", "errorType": "Telemetry.NotSupported"},
      sub[0]["body"])
check(not any(r["kind"] == "telemetry" for r in rec), "nothing delivered")
check(len([r for r in rec if r["kind"] == "event"]) == 4, "3 INVOKE + SHUTDOWN still delivered")
print("ok: --no-telemetry behaves like AWS's emulator")
PY
