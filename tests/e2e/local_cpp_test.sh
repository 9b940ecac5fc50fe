#!/usr/bin/env bash
# `lambdascope local` runs the C++ sample custom runtime (examples/functions/cpp-bootstrap) 20 times with the
# recording extension: a `bootstrap` speaking the Runtime API itself, as OS-only Lambda runtimes do.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
# shellcheck source=lib/check.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/check.sh"
build_dir=$(cd "$(dirname "$LS_BINARY")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/extensions"
ln -s "$build_dir/tests/lambda/fixtures/recorder" "$tmp/extensions/recorder"
printf '{"action":"work","iterations":20000}\n{"action":"echo","k":"v"}\n' >"$tmp/events.jsonl"

"$LS_BINARY" local --function "$build_dir/examples/functions/cpp-bootstrap" --handler handler \
  --events "$tmp/events.jsonl" --invocations 20 --memory 256 --no-limits --extensions "$tmp/extensions" \
  --env LS_RECORDER_OUT="$tmp" --json >"$tmp/out.jsonl" 2>"$tmp/err.log" || { cat "$tmp/err.log"; exit 1; }

python3 - "$tmp" <<'PY'
import json, re, sys
from check import Check
tmp = sys.argv[1]
results = [json.loads(l) for l in open(f"{tmp}/out.jsonl")]
log = open(f"{tmp}/err.log").read()
rec = [json.loads(l) for l in open(f"{tmp}/recorder.jsonl")]

check = Check(f"{tmp}/err.log", 3000)

check(len(results) == 20, f"20 results, got {len(results)}")
for i, r in enumerate(results):
    check(r["status"] == "success", f"invocation {i} succeeded: {r}")
    check(r["memorySizeMB"] == 256, "memory size")
    if i % 2 == 0:
        check(r["response"]["primes"] == 2262, "the work handler ran")  # primes below 20,000
    else:
        check(r["response"]["event"]["k"] == "v", "the echo handler ran")
    check(r["response"]["requestId"] == r["requestId"], "request id header")
check("cpp-bootstrap: ready (handler handler)" in log, "the runtime's output is in the log")
check(len(re.findall(r"^REPORT RequestId: ", log, re.M)) == 20, "20 REPORT lines")
check("Memory Size: 256 MB" in log, "REPORT memory size")
events = [r for r in rec if r["kind"] == "event"]
check([e["body"]["eventType"] for e in events] == ["INVOKE"] * 20 + ["SHUTDOWN"], "20 INVOKE then SHUTDOWN")
check([e["body"]["requestId"] for e in events[:20]] == [r["requestId"] for r in results], "INVOKE order")
telemetry = [t for r in rec if r["kind"] == "telemetry" for t in r["body"]]
for r in results:
    check(any(t["type"] == "platform.report" and t["record"]["requestId"] == r["requestId"] for t in telemetry),
          "a platform.report per invocation reached the extension")
print("ok: 20 C++ custom runtime invocations with the extension")
PY
