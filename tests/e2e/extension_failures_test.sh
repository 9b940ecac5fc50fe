#!/usr/bin/env bash
# Invocations that go wrong still leave their profiles: a timeout and a crash (each resets the sandbox:
# SHUTDOWN to the extension, a new runtime and a new extension at the next invocation) and a function
# error. Every invocation gets its profile with its own burn_rNN only and its status as a label; each
# sandbox generation writes its own init profile and marks its first invocation as a cold start. With
# LAMBDASCOPE_FLUSH=shutdown everything is sent during SHUTDOWN: all of it must arrive, and the extension
# must exit before the deadline every time.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
# shellcheck source=lib/check.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/check.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
cat >"$tmp/events.jsonl" <<'EV'
{"fn":"burn_r00","ms":150}
{"fn":"burn_r01","ms":150,"then":"hang"}
{"fn":"burn_r02","ms":150}
{"fn":"burn_r03","ms":150,"then":"crash"}
{"fn":"burn_r04","ms":150}
{"fn":"burn_r05","ms":150,"then":"throw"}
EV

cd "$tmp"
# The timeout is generous: the invocation after the timeout re-initializes the sandbox (a new Node.js runtime
# and extension) within it, which takes well over a second on a busy machine.
"$LS_BINARY" local --timeout 10 --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" --events events.jsonl \
  --extensions "$tmp/layer/extensions" --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" \
  --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" --env LAMBDASCOPE_HZ=199 --env LAMBDASCOPE_FLUSH=shutdown \
  --json >out.jsonl 2>err.log || { cat err.log; exit 1; }

python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import json, re, sys
from check import Check
tmp = sys.argv[1]
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
log = open(f"{tmp}/err.log").read()
check = Check(f"{tmp}/err.log", 5000)

results = [json.loads(l) for l in open(f"{tmp}/out.jsonl")]
check([r["status"] for r in results] == ["success", "timeout", "success", "error", "success", "error"],
      f"statuses {[r['status'] for r in results]}")
profiles = lp.stored_profiles(f"{tmp}/lambdascope-data")
invokes = {p["request_id"]: p for p in profiles if p["phase"] == "invoke"}
inits = [p for p in profiles if p["phase"] == "init"]
check(len(invokes) == 6 and set(invokes) == {r["requestId"] for r in results}, f"6 invoke profiles: {sorted(invokes)}")
check(len(inits) == 3, f"3 init profiles (first start and two re-inits): {[p['key'] for p in inits]}")
sandboxes = {p["request_id"] for p in inits}
check(len(sandboxes) == 3, "one sandbox id per extension generation")
want_status = [None, "timeout", None, "error", None, "error"]
want_cold = [True, False, True, False, True, False]
for k, r in enumerate(results):
    p = invokes[r["requestId"]]
    name = f"burn_r{k:02d}"
    burns = lp.burn_names(p)
    check(list(burns) == [name], f"profile {k} holds only {name}: {burns}; {lp.heaviest_stacks(p)}")
    labels = p["samples"][0]["labels"]
    check(labels.get("status") == want_status[k], f"status label of {name}: {labels}")
    check(labels.get("cold_start") == ("true" if want_cold[k] else "false"), f"cold start of {name}: {labels}")
    check(labels.get("sandbox") in sandboxes, "sandbox label names a generation")
    check(all(s["labels"] == {**s["labels"], "request_id": r["requestId"]} for s in p["samples"]), "request ids")
    if want_status[k] == "timeout":
        # The handler burned, then waited for the timeout: the window runs to the timeout.
        check(p["duration_ms"] >= 9990, f"the timed-out window lasts to the timeout: {p['duration_ms']} ms")
summaries = re.findall(r"SHUTDOWN \((\w+)\): (\d+) profiles written, (\d+) sent.*?(\d+) ms of the (\d+) ms", log)
check([s[0] for s in summaries] == ["timeout", "failure", "spindown"], f"three SHUTDOWNs: {summaries}")
check(sum(int(s[1]) for s in summaries) == 9 and all(s[1] == s[2] for s in summaries),
      f"every profile sent at SHUTDOWN: {summaries}")
for s in summaries:
    check(int(s[3]) < int(s[4]), f"SHUTDOWN work ({s[3]} ms) within the deadline ({s[4]} ms)")
check("did not exit before the SHUTDOWN deadline" not in log, "never killed at the deadline")
print(f"ok: timeout, crash and error invocations profiled; SHUTDOWN took {[int(s[3]) for s in summaries]} ms")
PY
