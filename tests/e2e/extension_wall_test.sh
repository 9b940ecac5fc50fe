#!/usr/bin/env bash
# Wall mode with CPU time, the Lambda default: a Node.js function through aws-lambda-ric and the layer, at
# --memory 1769 (the rate the wrapper picks for one vCPU), burning ~30 ms of CPU in burnCpu and then blocking
# the main thread ~100 ms in blockOnLock (Atomics.wait). In each invoke profile: three sample types; by wall,
# blockOnLock holds 70-85% of the handler's samples (the median; each within 60-92%), by CPU under 5% (the
# median; each under 10%: on a busy machine a late handler's own time can count as the waiting thread's), and its
# waiting samples end in
# "[waiting: lock]"; burnCpu holds most of the CPU; at least 50 samples (periods) per invocation. go tool pprof's
# -sample_index=wall and =cpu totals equal ours. Back-to-back invocations share telemetry deliveries.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
for i in $(seq 1 8); do echo '{"burn_ms":30,"wait_ms":100}'; done >"$tmp/events.jsonl"

cd "$tmp"
"$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-wait" --events events.jsonl \
  --memory 1769 --extensions "$tmp/layer/extensions" \
  --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" \
  --json >out.jsonl 2>err.log || { cat err.log; exit 1; }

python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
tmp = sys.argv[1]
log = open(f"{tmp}/err.log").read()

def check(cond, what):
    if not cond:
        print("FAIL:", what)
        print(log[-3000:])
        sys.exit(1)

results = [json.loads(l) for l in open(f"{tmp}/out.jsonl")]
check(len(results) == 8 and all(r["status"] == "success" for r in results), "8 successful invocations")
profiles = [p for p in lp.stored_profiles(f"{tmp}/lambdascope-data") if p["phase"] == "invoke"]
check(len(profiles) == 8, f"8 invoke profiles, got {len(profiles)}")
# Telemetry buffered up to 1 s (FLUSH=background): back-to-back invocations (as `local` runs them) share
# a delivery, about one a second (2 or 3 here); with 25 ms each invocation had its own (10 here).
import re
deliveries = re.search(r"SHUTDOWN .*, (\d+) telemetry deliveries", log)
check(deliveries and int(deliveries.group(1)) <= 6, f"telemetry deliveries: {deliveries and deliveries.group(1)}")

def has(s, part):
    return any(part in f for f in s["stack"])

shares, cpu_shares = [], []
for p in profiles:
    rid = p["request_id"]
    check(p["sample_types"] == [("samples", "count"), ("wall", "nanoseconds"), ("cpu", "nanoseconds")],
          f"{rid}: sample types {p['sample_types']}")
    # The `samples` value counts the periods a sample stands for (more than 1 when the sampler ran late).
    count = sum(s["values"][0] for s in p["samples"])
    check(count >= 50, f"{rid}: at least 50 samples, got {count} in {len(p['samples'])} records")
    handler = [s for s in p["samples"] if has(s, "burnCpu") or has(s, "blockOnLock") or has(s, "handler file:///")]
    block = [s for s in handler if has(s, "blockOnLock")]
    burn = [s for s in handler if has(s, "burnCpu")]
    wall = lambda ss: sum(s["values"][1] for s in ss)
    cpu = lambda ss: sum(s["values"][2] for s in ss)
    check(wall(handler) > 0 and cpu(handler) > 0, f"{rid}: handler samples with wall and cpu")
    share_wall = wall(block) / wall(handler)
    share_cpu = cpu(block) / cpu(handler)
    detail = (f"{rid}: blockOnLock wall {share_wall:.2f}, cpu {share_cpu:.3f}; burnCpu cpu "
              f"{cpu(burn) / cpu(handler):.2f}; {len(handler)} handler samples")
    print(detail)
    # Each invocation near 100/130, the issue's 70-85% band, which holds for the median (below). On a busy
    # machine one invocation can leave that band two ways, both true to what happened: the function is kept
    # from a CPU for tens of milliseconds while it burns (that time is burnCpu's: it waited to run there),
    # so the share is what its own handler time implies (100 ms over it); or the sampler itself is kept
    # from a CPU for most of the invocation, and its late stacks stand for periods at the window's edges,
    # a few points out of the band. A share far from both (the wait's periods given to the burn, or the
    # burn's to the wait) fails.
    expected = min(1.0, 100e6 / wall(handler))
    check(0.60 <= share_wall <= 0.92 or abs(share_wall - expected) <= 0.12,
          f"blockOnLock's wall share (its handler time implies {expected:.2f}): {detail}")
    shares.append(share_wall)
    check(share_cpu < 0.10, f"blockOnLock's CPU share: {detail}")
    cpu_shares.append(share_cpu)
    check(cpu(burn) / cpu(handler) > 0.8, f"burnCpu holds the rest of the CPU: {detail}")
    waiting = [s for s in block if s["stack"][0] == "[waiting: lock]"]
    # All but the sample that found it entering the wait (which weighs more when the sampler ran late).
    # Under 0.8 in about a third of the invocations on a small VM before 2026-12-07, when waking to take the
    # sampler's signal cost the thread more CPU than "still in its wait" allowed and the sample lost its mark.
    check(wall(waiting) >= 0.85 * wall(block),
          f"{rid}: blockOnLock's samples marked as waiting on a lock ({wall(waiting) / wall(block):.2f})")
median = sorted(shares)[len(shares) // 2]
check(0.70 <= median <= 0.85, f"blockOnLock's median wall share {median:.2f} (each: {[round(x, 2) for x in shares]})")
cpu_median = sorted(cpu_shares)[len(cpu_shares) // 2]
check(cpu_median < 0.05, f"blockOnLock's median CPU share {cpu_median:.3f} (each: {[round(x, 3) for x in cpu_shares]})")
open(f"{tmp}/one.path", "w").write(profiles[3]["path"])
open(f"{tmp}/one.totals", "w").write(" ".join(str(sum(s["values"][i] for s in profiles[3]["samples"])) for i in (1, 2)) + "\n")
PY

# go tool pprof reads both values, and its totals are ours.
export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOFLAGS= GOTOOLCHAIN=local
mkdir -p "$HOME" "$PPROF_TMPDIR"
one=$(cat one.path)
read -r our_wall our_cpu <one.totals
for index in wall cpu; do
  go tool pprof -sample_index=$index -top -symbolize=none -unit=ns "$one" >top.$index 2>pprof.err ||
    { cat pprof.err; exit 1; }
done
python3 - "$our_wall" "$our_cpu" top.wall top.cpu <<'PY'
import re, sys
for ours, path in ((float(sys.argv[1]), sys.argv[3]), (float(sys.argv[2]), sys.argv[4])):
    text = open(path).read()
    m = re.search(r"of ([\d.]+)(ns|us|ms|s) total", text)
    if not m:
        print("FAIL: no total in go tool pprof -top:", text[:500]); sys.exit(1)
    theirs = float(m.group(1)) * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[m.group(2)]
    if abs(theirs - ours) > max(1, ours * 0.001):
        print(f"FAIL: {path}: go tool pprof total {theirs} ns, ours {ours} ns"); sys.exit(1)
    print(f"ok: {path}: go tool pprof total {theirs:.0f} ns = ours {ours:.0f} ns")
PY
