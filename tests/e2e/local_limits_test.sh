#!/usr/bin/env bash
# `lambdascope local --memory MB` gives the sandbox Lambda's resources through cgroups: MB/1,769 of one CPU
# and MB of memory. Checks, at 128 MB: a CPU-bound handler's wall time is about 1,769/128 times its CPU time
# (what it takes with a whole CPU, measured by the handler itself, so other load on the machine does not
# move the baseline), within 25%; a handler that allocates past its memory fails as Lambda reports it
# (Runtime.ExitError, "signal: killed") and the next invocation initializes again; --no-limits lets the same
# allocation through; the groups are gone afterwards. Without the permission to make groups, `local` must
# say once that limits are not enforced and run anyway (checked instead). Env: LS_BINARY, LS_SOURCE_DIR.
set -uo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fn=$LS_SOURCE_DIR/tests/lambda/fixtures/node-limits
ric=$LS_SOURCE_DIR/node_modules/aws-lambda-ric/index.mjs
failures=0
fail() {
  failures=$((failures + 1))
  echo "FAIL: $*"
}
run() {  # run NAME EVENTS ARGS...: local with the events, JSON results in $tmp/NAME.jsonl, log in NAME.log
  local name=$1 events=$2
  shift 2
  printf '%s\n' "$events" >"$tmp/$name.events"
  "$LS_BINARY" local --function "$fn" --ric "$ric" --events "$tmp/$name.events" --json "$@" \
    >"$tmp/$name.jsonl" 2>"$tmp/$name.log"
}
groups_left() {  # our groups still in the emulator's own cgroups
  find /sys/fs/cgroup -maxdepth 6 -type d -name 'lambdascope-local-*' 2>/dev/null | wc -l
}

before=$(groups_left)
run probe '{"action":"echo"}' --memory 128
if grep -q "limits are not enforced" "$tmp/probe.log"; then
  [ "$(grep -c "limits are not enforced" "$tmp/probe.log")" -eq 1 ] || fail "the notice is said more than once"
  grep -q '"status":"success"' "$tmp/probe.jsonl" || fail "without limits the invocation must still run"
  echo "ok: no permission for cgroups here; local said so once and ran without limits"
  [ "$failures" -eq 0 ] || exit 1
  exit 0
fi

# CPU: 3 invocations of 150 ms of CPU each at 128 MB (the init before them runs with a whole CPU).
run cpu "$(printf '{"action":"cpu","cpuMs":150}\n%.0s' 1 2 3)" --memory 128 --timeout 60
python3 - "$tmp/cpu.jsonl" "$tmp/cpu.log" <<'PY' || failures=$((failures + 1))
import json, statistics, sys
results = [json.loads(l) for l in open(sys.argv[1])]
if len(results) != 3 or any(r["status"] != "success" for r in results):
    print("FAIL: cpu run:", results, open(sys.argv[2]).read()[-2000:])
    sys.exit(1)
ratios = [r["response"]["wallMs"] / r["response"]["cpuMs"] for r in results]
expected = 1769 / 128
print(f"wall/CPU at 128 MB: {', '.join(f'{x:.1f}' for x in ratios)} (expected {expected:.1f} within 25%)")
if not 0.75 * expected <= statistics.median(ratios) <= 1.25 * expected:
    print("FAIL: the CPU share at 128 MB is not 128/1769 of one CPU")
    sys.exit(1)
PY

# The sandbox's group asks the most CPU weight: up to its quota it gets its CPU first, as on Lambda where no
# other tenant shares it (a busy machine otherwise kept the agent's sampler off a CPU for half a second).
run weight '{"action":"weight"}' --memory 128
grep -qE '"weight":"(10000|262144)"' "$tmp/weight.jsonl" || fail "the sandbox's CPU weight: $(head -c 300 "$tmp/weight.jsonl")"

# Memory: 300 MB at 128 MB fails like Lambda; the next invocation initializes again and succeeds.
run oom "$(printf '{"action":"alloc","mb":300}\n{"action":"echo","k":"v"}')" --memory 128 --timeout 30
python3 - "$tmp/oom.jsonl" "$tmp/oom.log" <<'PY' || failures=$((failures + 1))
import json, sys
results = [json.loads(l) for l in open(sys.argv[1])]
log = open(sys.argv[2]).read()
def check(cond, what):
    if not cond:
        print("FAIL:", what)
        print(log[-3000:])
        sys.exit(1)
check(len(results) == 2, f"2 results, got {len(results)}")
oom = results[0]
check(oom["status"] == "error" and oom["errorType"] == "Runtime.ExitError", f"OOM result: {oom}")
body = oom["response"]
check(body["errorType"] == "Runtime.ExitError", f"error body: {body}")
check(body["errorMessage"] == f"RequestId: {oom['requestId']} Error: Runtime exited with error: signal: killed",
      f"error message: {body}")
check(f"RequestId: {oom['requestId']} Error: Runtime exited with error: signal: killed\nRuntime.ExitError\n" in log,
      "the log's error lines")
check(results[1]["status"] == "success" and results[1]["response"] == {"action": "echo", "k": "v"},
      f"the next invocation: {results[1]}")
check(log.count("INIT_START") == 2, "a new init after the OOM kill")
print("ok: past its memory the function fails as Lambda reports it, and the next invocation initializes again")
PY

run nolimits '{"action":"alloc","mb":300}' --memory 128 --no-limits --timeout 30
grep -q '"status":"success"' "$tmp/nolimits.jsonl" || fail "--no-limits: $(cat "$tmp/nolimits.jsonl" | head -c 300)"
grep -q '"memorySizeMB":128' "$tmp/nolimits.jsonl" || fail "--no-limits still reports 128 MB"

after=$(groups_left)
[ "$after" -le "$before" ] || fail "cgroups left behind: $(find /sys/fs/cgroup -maxdepth 6 -type d -name 'lambdascope-local-*')"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "ok: --memory 128 enforces Lambda's CPU share and memory, --no-limits turns them off, groups removed"
