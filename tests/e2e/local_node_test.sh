#!/usr/bin/env bash
# `lambdascope local` runs a Node.js function through AWS's own runtime interface client (aws-lambda-ric)
# 20 times, with an extension registered for INVOKE and SHUTDOWN that records what it sees: the contract the
# profiler's extension relies on (events in order, telemetry for every invocation, SHUTDOWN at the end).
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
# shellcheck source=lib/check.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/check.sh"
build_dir=$(cd "$(dirname "$LS_BINARY")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/extensions"
ln -s "$build_dir/tests/lambda/fixtures/recorder" "$tmp/extensions/recorder"
for i in $(seq 1 20); do echo "{\"n\":$i}"; done >"$tmp/events.jsonl"

"$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-function" --events "$tmp/events.jsonl" \
  --extensions "$tmp/extensions" --env LS_RECORDER_OUT="$tmp" --env LS_RECORDER_TELEMETRY=platform,function \
  --env LS_RECORDER_POST_INVOKE_MS=20 --json >"$tmp/out.jsonl" 2>"$tmp/err.log" ||
  { cat "$tmp/err.log"; exit 1; }

python3 - "$tmp" <<'PY'
import json, re, sys
from check import Check
tmp = sys.argv[1]
results = [json.loads(l) for l in open(f"{tmp}/out.jsonl")]
log = open(f"{tmp}/err.log").read()
rec = [json.loads(l) for l in open(f"{tmp}/recorder.jsonl")]

check = Check(f"{tmp}/err.log", 3000)

check(len(results) == 20, f"20 results, got {len(results)}")
ids = [r["requestId"] for r in results]
check(len(set(ids)) == 20, "distinct request ids")
for i, r in enumerate(results, 1):
    check(r["status"] == "success", f"invocation {i} succeeded: {r}")
    check(r["response"]["event"]["n"] == i, f"invocation {i} got its event")
    check(r["response"]["requestId"] == r["requestId"], "the handler saw the request id")
    # The extension works 20 ms after the runtime's response (its platform.runtimeDone): the invocation lasts
    # until it calls /next again, and the part after the runtime's response is the post-runtime time.
    check(r["durationMs"] >= 19.5, f"duration includes the extension's work: {r['durationMs']}")
    check(r["postRuntimeExtensionsDurationMs"] > 0, "post-runtime extension time measured")
    check(abs(r["durationMs"] - r["runtimeDurationMs"] - r["postRuntimeExtensionsDurationMs"]) < 0.05,
          "duration = runtime + post-runtime extensions")
    check(r["billedDurationMs"] >= r["durationMs"], "billed >= duration")
    check(r["maxMemoryUsedMB"] > 10, "memory measured")
check("initDurationMs" in results[0] and all("initDurationMs" not in r for r in results[1:]), "init reported once")
check(len({r["response"]["pid"] for r in results}) == 1, "one warm runtime process")
check(results[-1]["response"]["invocationsInThisProcess"] == 20, "the same process served all 20")

check(log.count("INIT_START") == 1, "one init")
reports = re.findall(r"^REPORT RequestId: (\S+)\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\t", log, re.M)
check(reports == ids, "a REPORT line per invocation, in order")
check("20 invocations: 20 success" in log, "summary")

kinds = [r["kind"] for r in rec]
check(kinds[0] == "register" and rec[0]["status"] == 200, "registered")
check(rec[0]["body"]["functionName"] == "node-function", "register body")
check(any(r["kind"] == "subscribe" and r["status"] == 200 for r in rec), "telemetry subscription accepted")
events = [r for r in rec if r["kind"] == "event"]
check(len(events) == 21, f"20 INVOKE + SHUTDOWN, got {len(events)}")
check([e["body"]["requestId"] for e in events[:20]] == ids, "INVOKE events in invocation order")
for e in events[:20]:
    check(e["body"]["eventType"] == "INVOKE" and e["status"] == 200, "INVOKE event")
    check(e["body"]["deadlineMs"] > e["t"] and e["body"]["deadlineMs"] <= e["t"] + 3100, "deadline is epoch ms, now + 3 s")
    check(e["body"]["invokedFunctionArn"].endswith(":function:node-function"), "function ARN")
    check(e["body"]["tracing"]["value"].startswith("Root=1-"), "trace header")
    check(len(e["eventId"]) == 36, "Lambda-Extension-Event-Identifier")
shutdown = events[20]
check(shutdown["body"]["eventType"] == "SHUTDOWN" and shutdown["body"]["shutdownReason"] == "spindown", "SHUTDOWN spindown")
check(0 < shutdown["body"]["deadlineMs"] - shutdown["t"] <= 2000, "SHUTDOWN deadline within 2,000 ms")
check(kinds[-1] == "exit", "the extension exited after SHUTDOWN")

telemetry = []
for r in rec:
    if r["kind"] == "telemetry":
        check(isinstance(r["body"], list), "telemetry POST body is a JSON array")
        telemetry += r["body"]
types = [t["type"] for t in telemetry]
check(types[0] == "platform.initStart", f"initStart delivered to a subscriber from init on: {types[:3]}")
for rid, result in zip(ids, results):
    seq = [t["type"] for t in telemetry if isinstance(t["record"], dict) and t["record"].get("requestId") == rid]
    check(seq == ["platform.start", "platform.runtimeDone", "platform.report"], f"{rid}: {seq}")
    report = next(t for t in telemetry if t["type"] == "platform.report" and t["record"]["requestId"] == rid)
    check(abs(report["record"]["metrics"]["durationMs"] - result["durationMs"]) < 0.01, "report durationMs")
    check(report["record"]["metrics"]["memorySizeMB"] == 128, "memorySizeMB")
    check(any(t["type"] == "function" and f"echo {rid}" in t["record"] for t in telemetry), "function log line")
print("ok: 20 Node.js invocations, extension saw 20 INVOKE + SHUTDOWN and all telemetry")
PY
