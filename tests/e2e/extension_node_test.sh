#!/usr/bin/env bash
# The Lambda extension end to end: a Node.js function through aws-lambda-ric under `lambdascope local`, with
# the layer's extension and exec wrapper, 20 invocations. Each invocation burns CPU in a function named
# after it (burn_r00 .. burn_r19), so "profile k holds burn_rk and no other burn_rj" proves every profile was
# cut from its own window. Checks: exactly 20 invoke profiles and 1 init profile, keys, labels on every
# sample, cold start only on init and the first invocation, Lambda's numbers in the comments, the handler's
# JS functions by name, go tool pprof reads them, the extension cleans up after itself, and the post-runtime
# time it adds.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
for i in $(seq 0 19); do printf '{"fn":"burn_r%02d","ms":200}\n' "$i"; done >"$tmp/events.jsonl"

cd "$tmp"  # the default destination under local is ./lambdascope-data
"$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" --events events.jsonl \
  --extensions "$tmp/layer/extensions" --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" \
  --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" --env LAMBDASCOPE_HZ=199 --json >out.jsonl 2>err.log ||
  { cat err.log; exit 1; }

python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import json, os, statistics, sys
tmp, lib = sys.argv[1], sys.argv[2]
sys.path.insert(0, lib)
import lambda_profiles as lp

log = open(f"{tmp}/err.log").read()
def check(cond, what):
    if not cond:
        print("FAIL:", what)
        print(log[-4000:])
        sys.exit(1)

results = [json.loads(l) for l in open(f"{tmp}/out.jsonl")]
check(len(results) == 20 and all(r["status"] == "success" for r in results), "20 successful invocations")
ids = [r["requestId"] for r in results]
profiles = lp.stored_profiles(f"{tmp}/lambdascope-data")
invokes = {p["request_id"]: p for p in profiles if p["phase"] == "invoke"}
inits = [p for p in profiles if p["phase"] == "init"]
check(len(profiles) == 21, f"21 profiles stored, got {len(profiles)}: {[p['key'] for p in profiles]}")
check(len(inits) == 1 and set(invokes) == set(ids), "1 init profile and one invoke profile per request id")
init = inits[0]
sandbox = init["request_id"]

for k, r in enumerate(results):
    p = invokes[r["requestId"]]
    want = f"burn_r{k:02d}"
    check(p["function"] == "node-burn", "function folder")
    check(abs(p["duration_ms"] - r["runtimeDurationMs"]) <= 1, f"key duration {p['duration_ms']} vs runtime {r['runtimeDurationMs']}")
    check(len(p["samples"]) > 0, f"{want}: samples")
    for s in p["samples"]:
        labels = s["labels"]
        check(labels.get("request_id") == r["requestId"], f"request_id label on every sample of {want}")
        check(labels.get("phase") == "invoke" and labels.get("sandbox") == sandbox, "phase and sandbox labels")
        check(labels.get("cold_start") == ("true" if k == 0 else "false"), f"cold_start on {want}: {labels}")
        check("window" not in labels and "status" not in labels, "telemetry windows, status success")
        t = labels["end_timestamp_ns"]
        check(p["time_nanos"] <= t <= p["time_nanos"] + p["duration_nanos"], "sample inside the profile's window")
    burns = lp.burn_names(p)
    check(list(burns) == [want], f"profile of {want} holds only {want}: {burns}")
    check(burns[want] >= len(p["samples"]) * 0.5, f"{want} in most samples: {burns[want]} of {len(p['samples'])}")
    check(any(any(f.startswith("JS:") and "handler" in f for f in s["stack"]) for s in p["samples"]),
          "the handler's JS frame by name")
    a = p["attributes"]
    check("duration_ms" in a, f"report comments on {want} ({k}): {p['comments']}")
    check(abs(float(a["duration_ms"]) - r["durationMs"]) < 0.01, f"duration comment {a.get('duration_ms')} vs {r['durationMs']}")
    check(int(a["billed_duration_ms"]) == r["billedDurationMs"], "billed duration comment")
    check(int(a["memory_size_mb"]) == 128 and int(a["max_memory_used_mb"]) == r["maxMemoryUsedMB"], "memory comments")
    check(a["request_id"] == r["requestId"] and a["function"] == "node-burn", "request and function comments")
    check(("init_duration_ms" in a) == (k == 0), "init duration only on the first invocation")

check(init["samples"] and all(s["labels"]["phase"] == "init" and s["labels"]["cold_start"] == "true"
                              and s["labels"]["request_id"] == sandbox for s in init["samples"]), "init labels")
check(lp.burn_names(init) == {}, "no burn_r in the init profile")
check(init["start_ms"] < invokes[ids[0]]["start_ms"], "init before the first invocation")
check(float(init["attributes"]["init_duration_ms"]) > 0, "init duration comment")
check(any(any("aws-lambda-ric" in f or "index.mjs" in f for f in s["stack"]) for s in init["samples"]),
      "the runtime's start-up code in the init profile")

# Off the critical path: what the extension adds after the runtime is done (platform.report's view).
post = sorted(r["postRuntimeExtensionsDurationMs"] for r in results)
print(f"post-runtime extension time: p50 {statistics.median(post):.2f} ms, max {post[-1]:.2f} ms")
check(statistics.median(post) < 5, f"post-runtime p50 under 5 ms: {post}")
check("SHUTDOWN (spindown): 21 profiles written, 21 sent" in log, "shutdown summary")
check("did not exit before the SHUTDOWN deadline" not in log, "the extension exited in time")
check(not [f for f in os.listdir(f"{tmp}/spool") if f.endswith(".spool")], "spool empty")
pid = results[0]["response"]["pid"]
check(not os.path.exists(f"/tmp/perf-{pid}.map"), "the runtime's perf map removed with its ring")
print(f"ok: 20 invocations, 21 profiles, each with only its own burn_rNN")
with open(f"{tmp}/one.path", "w") as f:
    f.write(invokes[ids[7]]["path"])
PY

# go tool pprof reads what we store, labels included.
if command -v go >/dev/null; then
  export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOFLAGS= GOTOOLCHAIN=local
  mkdir -p "$HOME" "$PPROF_TMPDIR"
  one=$(cat one.path)
  go tool pprof -tags "$one" >tags.txt 2>pprof.err || { cat pprof.err; exit 1; }
  grep -q "request_id" tags.txt && grep -q "phase" tags.txt && grep -q "invoke" tags.txt ||
    { echo "FAIL: go tool pprof -tags does not show the labels"; cat tags.txt; exit 1; }
  go tool pprof -top -symbolize=none "$one" 2>pprof.err | grep -q "burn_r07" ||
    { echo "FAIL: go tool pprof -top does not show burn_r07"; cat pprof.err; exit 1; }
  echo "ok: go tool pprof reads the profiles and their labels"
fi
