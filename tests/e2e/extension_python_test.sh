#!/usr/bin/env bash
# The Lambda layer with a Python 3.13 function, end to end: `lambdascope local` starts a Runtime API loop
# written with urllib (tests/lambda/fixtures/python-burn/runtime.py) as Lambda starts its managed python3.x
# runtimes, behind AWS_LAMBDA_EXEC_WRAPPER=lambdascope-wrapper (which sets PYTHONPERFSUPPORT=1), with the
# layer's extension. 10 invocations, each burning CPU in burn_rNN (named after its event) two Python calls
# below the handler. Checks, beside the extension's usual ones (lambda_profiles.verify_burn_run): each invoke
# profile holds its own `burn_rNN (app.py)` and none of the others', with `dispatch (app.py)` right above it
# (the interpreter's C frames between them collapsed) and `handler (app.py)` above that; at least 90% of the
# handler's running samples have a Python frame as their innermost named frame, and the handler is on at least
# 80% of its thread's running samples (unwound to it); the init profile names the module's init_work.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
# shellcheck source=lib/cpython.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/cpython.sh"
python=$(cpython313)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
for i in $(seq 0 9); do printf '{"fn":"burn_r%02d","ms":200}\n' "$i"; done >"$tmp/events.jsonl"
fixture=$LS_SOURCE_DIR/tests/lambda/fixtures/python-burn

cd "$tmp"  # the default destination under local is ./lambdascope-data
# Python writes no bytecode cache into the function's folder (read-only /var/task on Lambda; the source tree here).
# The rings go to a folder of the test's own: nothing is left in /tmp even when the runtime is still exiting at
# SHUTDOWN (its ring folder then outlives the extension; issue 13).
"$LS_BINARY" local --function "$fixture" --handler app.handler --events events.jsonl \
  --extensions "$tmp/layer/extensions" --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" \
  --env PYTHONDONTWRITEBYTECODE=1 --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" \
  --env LAMBDASCOPE_RING_DIR="$tmp/rings" --env LAMBDASCOPE_HZ=199 --json \
  -- "$python" "$fixture/runtime.py" >out.jsonl 2>err.log || { cat err.log; exit 1; }

python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
tmp = sys.argv[1]
results, invokes, init = lp.verify_burn_run(tmp, "python-burn", handler_frame="handler (app.py)",
                                            init_frame="init_work (app.py)")
log = open(f"{tmp}/err.log").read()

def fail(what, samples=()):
    print("FAIL:", what)
    for s in list(samples)[:8]:
        print("  ", ";".join(reversed(s["stack"][:10])))
    print(log[-3000:])
    sys.exit(1)

def innermost_named(stack):
    return next((f for f in stack if not f.startswith("[")), None)

shares, complete = [], []
for k, r in enumerate(results):
    p = invokes[r["requestId"]]
    want = f"burn_r{k:02d} (app.py)"
    burning = [s for s in p["samples"] if want in s["stack"]]
    under = [s for s in burning if s["stack"][s["stack"].index(want) + 1:][:2] == ["dispatch (app.py)", "handler (app.py)"]]
    if len(under) < 0.9 * len(burning):
        fail(f"{want}: dispatch (app.py) and handler (app.py) right above it in {len(under)} of {len(burning)} samples",
             [s for s in burning if s not in under])
    running = [s for s in p["samples"] if "handler (app.py)" in s["stack"] and not s["stack"][0].startswith("[waiting")]
    weight = lambda s: s["values"][0] if s["values"] else 1
    py = [s for s in running if (innermost_named(s["stack"]) or "").endswith(")") and
          innermost_named(s["stack"]).rsplit(" (", 1)[-1].endswith(".py)")]
    thread = {s["labels"].get("thread id") for s in burning}
    ran = [s for s in p["samples"] if s["labels"].get("thread id") in thread and not s["stack"][0].startswith("[waiting")]
    complete.append(sum(map(weight, running)) / max(1, sum(map(weight, ran))))
    # Unwound to the handler (a walk that stops in the interpreter never gets there); the rest of the thread's
    # time is the runtime's loop between invocations.
    if complete[-1] < 0.8:
        fail(f"{want}: the handler in {100 * complete[-1]:.0f}% of its thread's running periods",
             [s for s in ran if s not in running])
    shares.append(sum(map(weight, py)) / max(1, sum(map(weight, running))))
    if sum(map(weight, py)) < 0.9 * sum(map(weight, running)):
        fail(f"{want}: a Python frame innermost in {sum(map(weight, py))} of {sum(map(weight, running))} of the "
             "handler's sampled periods", [s for s in running if s not in py])
    if any(f.startswith("py::") for s in p["samples"] for f in s["stack"]):
        fail("raw py:: perf-map names left")
print(f"ok: every invocation's Python frames, through the trampolines and the interpreter; a Python frame "
      f"innermost in {100 * min(shares):.1f}% of the handler's sampled periods or more; the handler in "
      f"{100 * min(complete):.1f}% or more of its thread's")
PY
if ls "$fixture" | grep -q __pycache__; then
  echo "FAIL: bytecode written into the function's folder"
  exit 1
fi
