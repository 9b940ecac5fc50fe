#!/usr/bin/env bash
# A SHUTDOWN with too little time left: the extension saves the windows it can, oldest first (the init
# window first), and counts the rest in its SHUTDOWN line. Without the Telemetry API the last invocation's
# window only ends at SHUTDOWN, and a 100 ms budget (`local --shutdown-timeout`) is less than the 150 ms the
# extension keeps to exit, so nothing more can be written then: that window is dropped, and counted, and
# every earlier one was saved in the background. That run is at 1,769 MB (a whole CPU). At 128 MB the
# cgroup's quota (7.2 ms of CPU per 100 ms period), once spent, stalls every process of the sandbox until the
# next period, so a 100 ms budget is met or missed by where in the period SHUTDOWN falls: SHUTDOWN reached the
# extension with 93 or with 1 ms left, and 3 of 18 runs at 100 and 140 ms were killed, one before its
# SHUTDOWN line, as in a fresh `make test` (2026-12-08). Lambda gives extensions 2,000 ms, and what the
# extension does when out of time is the same at any size.
# Then a SHUTDOWN with time to write but none to symbolize (LAMBDASCOPE_SHUTDOWN_SYMBOLIZE_MS=0): every
# window is still saved, oldest first; what was written after SHUTDOWN keeps its unnamed frames as addresses
# with their mappings and build ids, the log counts them per window, `lambdascope collapse` warns how many
# frames are unsymbolized, and `go tool pprof -top` reads the profile. Env: LS_BINARY, LS_SOURCE_DIR.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
command -v go >/dev/null || { echo "FAIL: go is not installed; this test needs go tool pprof"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOFLAGS= GOTOOLCHAIN=local
mkdir -p "$HOME" "$PPROF_TMPDIR"
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
for i in $(seq 0 9); do printf '{"fn":"burn_r%02d","ms":200}\n' "$i"; done >"$tmp/events.jsonl"

mkdir "$tmp/early" && cd "$tmp/early"
"$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" --events ../events.jsonl \
  --memory 1769 --timeout 30 --no-telemetry --shutdown-timeout 100 --extensions "$tmp/layer/extensions" \
  --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" --env LAMBDASCOPE_SPOOL_DIR="$tmp/early/spool" \
  --env LAMBDASCOPE_FLUSH=background --env LAMBDASCOPE_HZ=999 --json >out.jsonl 2>err.log ||
  { cat err.log; exit 1; }

# Time to write, none to symbolize.
mkdir "$tmp/late" && cd "$tmp/late"
"$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" --events ../events.jsonl \
  --memory 1024 --timeout 30 --no-telemetry --shutdown-timeout 2000 --extensions "$tmp/layer/extensions" \
  --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" --env LAMBDASCOPE_SPOOL_DIR="$tmp/late/spool" \
  --env LAMBDASCOPE_FLUSH=background --env LAMBDASCOPE_HZ=999 --env LAMBDASCOPE_SHUTDOWN_SYMBOLIZE_MS=0 \
  --json >out.jsonl 2>err.log || { cat err.log; exit 1; }


python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" "$LS_BINARY" <<'PY'
import json, re, subprocess, sys
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
tmp, binary = sys.argv[1], sys.argv[3]
log = ""
def check(cond, what):
    if not cond:
        print("FAIL:", what)
        print(log[-4000:])
        sys.exit(1)
def load(run):
    """The log, the request ids in order, and the stored profiles of one run."""
    global log
    log = open(f"{tmp}/{run}/err.log").read()
    results = [json.loads(l) for l in open(f"{tmp}/{run}/out.jsonl")]
    check(len(results) == 10 and all(r["status"] == "success" for r in results), "10 successful invocations")
    return [r["requestId"] for r in results], lp.stored_profiles(f"{tmp}/{run}/lambdascope-data")

# Too little time to write the last window.
ids, profiles = load("early")
saved = {p["request_id"] for p in profiles if p["phase"] == "invoke"}
inits = [p for p in profiles if p["phase"] == "init"]
m = re.search(r"SHUTDOWN \(spindown\): (\d+) profiles written.*?(?:, (\d+) windows dropped: not written before the deadline)?;", log)
check(m, "the SHUTDOWN line")
written, dropped = int(m.group(1)), int(m.group(2) or 0)
print(f"{len(profiles)} profiles stored, {written} written, {dropped} dropped at SHUTDOWN")
check(dropped >= 1, "the last window could not be written in time, and the line counts it")
check(len(inits) == 1, "the init window, the oldest, was saved")
# Oldest first: what was saved is the first invocations, in order, and the rest is what the line counts.
k = len(saved)
check(saved == set(ids[:k]), f"the saved invocations are the oldest {k}")
check(k + 1 + dropped == len(ids) + 1, f"saved {k + 1} + dropped {dropped} windows = {len(ids) + 1}")
print(f"ok: SHUTDOWN with too little time saved the oldest {k + 1} windows and counted the {dropped} it dropped")

# Time to write, none to symbolize.
ids, profiles = load("late")
by_id = {p["request_id"]: p for p in profiles if p["phase"] == "invoke"}
check(len([p for p in profiles if p["phase"] == "init"]) == 1, "the init window was saved")
m = re.search(r"SHUTDOWN \(spindown\): (\d+) profiles written[^;]*;", log)
check(m, "the SHUTDOWN line")
check("dropped" not in m.group(0), "no window dropped when there is time to write: " + m.group(0))
check(set(by_id) == set(ids), f"every invocation saved ({len(by_id)} of {len(ids)})")
# Without telemetry the last window ends at SHUTDOWN: it was written after symbolizing had to stop.
unnamed = {m.group(1): (int(m.group(2)), int(m.group(3))) for m in re.finditer(
    r"profile of invocation (\S+): (\d+) of (\d+) frames left unnamed", log)}
check(ids[-1] in unnamed, "the log counts the last window's unnamed frames")
m2 = re.search(r", (\d+) with frames left unnamed \(out of time\)", m.group(0))
check(m2 and int(m2.group(1)) == len(unnamed), "the SHUTDOWN line counts the windows with unnamed frames")
for rid, (n, total) in unnamed.items():
    check(0 < n <= total, f"{rid}: {n} of {total}")
    p = by_id[rid]
    said = sum(int(x) for c in p["comments"] for x in re.findall(r"(\d+) frames left unsymbolized", c))
    check(said == n, f"{rid}: the profile's comments count its {n} unnamed frames (they say {said})")
    r = subprocess.run([binary, "collapse", p["path"]], capture_output=True, text=True)
    check(r.returncode == 0, f"collapse {rid}: {r.stderr}")
    w = re.search(r"(\d+) of (\d+) frames are unsymbolized addresses", r.stderr)
    check(w and int(w.group(1)) == n, f"collapse warns about {n} unsymbolized frames: {r.stderr}")
    # Addresses in a file are named with the file's base name and offset (the node binary, libc, ...).
    check(re.search(r"0x[0-9a-f]+ \([^;()]+\+0x[0-9a-f]+\)", r.stdout), f"{rid}: address frames in collapse")
first_unnamed = min(ids.index(r) for r in unnamed)
check(set(unnamed) == set(ids[first_unnamed:]),
      "written oldest first: the windows written after symbolizing stopped are the newest")
last = by_id[ids[-1]]["path"]
# pprof sees the mappings with their build ids and reads the profile.
raw = subprocess.run(["go", "tool", "pprof", "-raw", "-symbolize=none", last], capture_output=True, text=True)
check(raw.returncode == 0, "go tool pprof -raw: " + raw.stderr)
maps = raw.stdout[raw.stdout.find("Mappings"):]
check(re.search(r"/\S*node\S* [0-9a-f]{16,}", maps), "a mapping of the node binary with its build id:\n" + maps[:2000])
top = subprocess.run(["go", "tool", "pprof", "-top", last], capture_output=True, text=True)
check(top.returncode == 0 and "flat%" in top.stdout, "go tool pprof -top: " + top.stderr[-2000:])
print(f"ok: with no time to symbolize every window was saved; {len(unnamed)} (from invocation "
      f"{first_unnamed + 1} on) with frames left as addresses, e.g. {unnamed[ids[-1]][0]} of "
      f"{unnamed[ids[-1]][1]} in the last")
PY
