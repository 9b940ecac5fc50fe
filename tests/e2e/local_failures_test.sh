#!/usr/bin/env bash
# A crash and a timeout under `lambdascope local`, reported like Lambda reports them; the environment is reset
# (SHUTDOWN to the extension with reason failure / timeout) and re-initialized for the next invocation.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
# shellcheck source=lib/check.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/check.sh"
build_dir=$(cd "$(dirname "$LS_BINARY")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/extensions"
ln -s "$build_dir/tests/lambda/fixtures/recorder" "$tmp/extensions/recorder"
cat >"$tmp/events.jsonl" <<'JSONL'
{"n":1}
{"action":"crash"}
{"n":3}
{"action":"sleep","ms":30000}
{"n":5}
{"action":"throw"}
JSONL

# The timeout is generous: the invocations after the crash and after the timeout re-initialize the sandbox (a
# new Node.js runtime and extension) within it, which takes well over a second on a busy machine.
"$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-function" --events "$tmp/events.jsonl" \
  --timeout 10 --extensions "$tmp/extensions" --env LS_RECORDER_OUT="$tmp" --json >"$tmp/out.jsonl" 2>"$tmp/err.log" ||
  { cat "$tmp/err.log"; exit 1; }

python3 - "$tmp" <<'PY'
import json, re, sys
from check import Check
tmp = sys.argv[1]
results = [json.loads(l) for l in open(f"{tmp}/out.jsonl")]
log = open(f"{tmp}/err.log").read()
rec = [json.loads(l) for l in open(f"{tmp}/recorder.jsonl")]

check = Check(f"{tmp}/err.log", 4000)

check([r["status"] for r in results] == ["success", "error", "success", "timeout", "success", "error"],
      f"statuses {[r['status'] for r in results]}")
crash, after_crash, timeout, after_timeout, thrown = results[1], results[2], results[3], results[4], results[5]
check(crash["errorType"] == "Runtime.ExitError" and crash["environmentReset"] and crash["functionError"], "crash")
check(crash["response"]["errorMessage"] == f"RequestId: {crash['requestId']} Error: Runtime exited with error: exit status 3",
      crash["response"])
check(f"REPORT RequestId: {crash['requestId']}" in log and "Status: error\tError Type: Runtime.ExitError" in log,
      "REPORT of the crash")
check(after_crash["init"]["phase"] == "invoke" and after_crash["init"]["status"] == "success", "re-init after the crash")
check(after_crash["response"]["pid"] != results[0]["response"]["pid"], "a new runtime process")
check(timeout["errorType"] == "Sandbox.Timedout" and timeout["environmentReset"], "timeout")
check(abs(timeout["durationMs"] - 10000) < 50, f"timeout duration {timeout['durationMs']}")
check(timeout["response"]["errorMessage"].endswith("Task timed out after 10.00 seconds"), timeout["response"])
check(re.search(rf"{timeout['requestId']} Task timed out after 10\.00 seconds", log), "timeout log line")
check(re.search(rf"REPORT RequestId: {timeout['requestId']}\t.*\tStatus: timeout\t", log), "REPORT of the timeout")
check(after_timeout["init"]["phase"] == "invoke", "re-init after the timeout")
check(thrown["functionError"] and not thrown["environmentReset"], "a thrown error is a function error, no reset")
check(thrown["response"]["errorMessage"] == "boom: the test asked for an error", thrown["response"])
check(log.count("INIT_START") == 3, "three inits")
check("6 invocations: 2 error, 3 success, 1 timeout" in log, "summary")
registers = [r for r in rec if r["kind"] == "register"]
check(len(registers) == 3, "the extension was started for each init")
reasons = [r["body"]["shutdownReason"] for r in rec if r["kind"] == "event" and r["body"]["eventType"] == "SHUTDOWN"]
check(reasons == ["failure", "timeout", "spindown"], f"SHUTDOWN reasons {reasons}")
print("ok: crash and timeout reported, environment reset and re-initialized")
PY
