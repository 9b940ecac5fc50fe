#!/usr/bin/env bash
# The extension's inbox end to end with Go (issue 12): a custom runtime written in Go with the standard library
# only (tests/lambda/fixtures/go-runtime), built static as Go builds are, so the layer's preloaded agent cannot
# enter it; its `bootstrap` starts it through the layer's wrapper as docs/lambda-extension.md says for OS-only
# runtimes, under `lambdascope local` with the layer's extension. Each of 6 invocations burns CPU in the Go
# function its event names (main.burnAlpha, burnBravo, burnCharlie) under runtime/pprof and leaves a CPU and
# a heap profile in the inbox (temporary name + rename, named after the request id). Checks: each
# invocation has exactly a cpu and a heap object under its own key, labelled on every sample with its
# request_id, phase, cold_start and profile_type; its CPU profile holds its own burn function and no other
# one; each object opens in `go tool pprof -top`; a file that is not a profile and a temporary file never
# renamed are logged and removed; the inbox is empty at the end; `pull`/`merge --profile-type` select by
# type; `serve` counts each invocation once and lists, merges and shows the Go CPU profiles by profile_type.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
command -v go >/dev/null || { echo "FAIL: go is not installed (scripts/setup.sh installs golang-go)"; exit 1; }
build_dir=$(cd "$(dirname "$LS_BINARY")/.." && pwd)
tmp=$(mktemp -d)
# shellcheck source=lib/serve.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/serve.sh"
trap 'stop_serve; rm -rf "$tmp"' EXIT
# Go's build cache under the build folder (the standard library is compiled once, not per run); nothing
# in $HOME, no network.
export HOME=$tmp/home GOCACHE=$build_dir/go-cache GOPATH=$tmp/gopath GOPROXY=off GOFLAGS="" GOTOOLCHAIN=local \
  PPROF_TMPDIR=$tmp/pprof
mkdir -p "$HOME" "$PPROF_TMPDIR"
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"

mkdir "$tmp/go-fn"
(cd "$LS_SOURCE_DIR/tests/lambda/fixtures/go-runtime" && CGO_ENABLED=0 go build -o "$tmp/go-fn/runtime" .) ||
  { echo "FAIL: go build of the Go runtime"; exit 1; }
file "$tmp/go-fn/runtime" | grep -q "statically linked" || { echo "FAIL: the Go runtime is not static"; exit 1; }
cat >"$tmp/go-fn/bootstrap" <<SH
#!/bin/sh
exec "$tmp/layer/lambdascope-wrapper" "\$LAMBDA_TASK_ROOT/runtime" "\$@"
SH
chmod +x "$tmp/go-fn/bootstrap"
fns=(alpha bravo charlie alpha bravo charlie)
for i in "${!fns[@]}"; do
  extra=""
  [ "$i" = 1 ] && extra=',"broken":true'
  [ "$i" = 5 ] && extra=',"leftover":true'
  printf '{"fn":"%s","ms":300%s}\n' "${fns[$i]}" "$extra"
done >"$tmp/events.jsonl"

cd "$tmp"
# Generous timeout and SHUTDOWN budget: on a busy machine the function and the extension get little CPU.
"$LS_BINARY" local --function "$tmp/go-fn" --events events.jsonl --memory 512 --no-limits --timeout 120 \
  --shutdown-timeout 30000 \
  --extensions "$tmp/layer/extensions" --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" \
  --env LAMBDASCOPE_INBOX="$tmp/inbox" --json >out.jsonl 2>err.log || { cat err.log; exit 1; }

python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" "${fns[@]}" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
tmp, fns = sys.argv[1], sys.argv[3:]
burners = {"alpha": "main.burnAlpha", "bravo": "main.burnBravo", "charlie": "main.burnCharlie"}
failures = []
def check(ok, what):
    if not ok:
        failures.append(what)

results = [json.loads(l) for l in open(f"{tmp}/out.jsonl") if l.strip()]
results = [r for r in results if r.get("requestId")]
check(len(results) == len(fns), f"{len(fns)} invocations ran (got {len(results)})")
for r in results:
    check(r.get("status") == "success", f"invocation {r.get('requestId')} succeeded: {r}")
profiles = lp.stored_profiles(f"{tmp}/lambdascope-data")
by_request = {}
for p in profiles:
    by_request.setdefault(p["request_id"], []).append(p)
paths = []
for k, r in enumerate(results):
    rid = r["requestId"]
    mine = by_request.get(rid, [])
    types = sorted(p["profile_type"] for p in mine)
    check(types == ["cpu", "heap"], f"invocation {k} has one cpu and one heap object (got {types})")
    for p in mine:
        paths.append(p["path"])
        check(p["phase"] == "invoke" and p["function"] == "go-fn", f"{p['key']}: key fields")
        want = {"request_id": rid, "phase": "invoke", "cold_start": "true" if k == 0 else "false",
                "profile_type": p["profile_type"]}
        check(len(p["samples"]) > 0, f"{p['key']}: has samples")
        for s in p["samples"]:
            got = {key: s["labels"].get(key) for key in want}
            if got != want:
                check(False, f"{p['key']}: labels {got}, want {want}")
                break
        types = [t for t, _ in p["sample_types"]]
        if p["profile_type"] == "cpu":
            check("cpu" in types, f"{p['key']}: cpu sample type ({types})")
            frames = {f for s in p["samples"] for f in s["stack"]}
            own = burners[fns[k]]
            check(own in frames, f"{p['key']}: holds {own}")
            others = sorted(b for b in burners.values() if b != own and b in frames)
            check(not others, f"{p['key']}: holds no other invocation's burner (found {others})")
        else:
            check("alloc_space" in types and "inuse_space" in types, f"{p['key']}: heap sample types ({types})")
    if mine:
        check(mine[0]["attributes"].get("profile_type") in ("cpu", "heap"), "profile_type comment")
check(len(profiles) == 2 * len(fns), f"only the inbox's objects are stored (got {len(profiles)} files)")
open(f"{tmp}/paths.txt", "w").write("\n".join(paths) + "\n")
open(f"{tmp}/first.id", "w").write(results[0]["requestId"])
for f in failures:
    print("FAIL:", f)
if failures:
    sys.exit(1)
print(f"ok: {len(results)} invocations, each with its own cpu and heap object, labelled, burners in their own")
PY

# Every object opens in the real go tool pprof.
while read -r one; do
  go tool pprof -top -symbolize=none "$one" >top.txt 2>pprof.err || { cat pprof.err; echo "FAIL: go tool pprof -top $one"; exit 1; }
  grep -q "^ *flat " top.txt || { echo "FAIL: go tool pprof -top $one shows no table"; cat top.txt pprof.err; exit 1; }
done <paths.txt
first=$(head -1 paths.txt)
go tool pprof -tags "$first" >tags.txt 2>pprof.err || { cat pprof.err; exit 1; }
if ! grep -q "profile_type" tags.txt || ! grep -q "$(cat first.id)" tags.txt; then
  echo "FAIL: go tool pprof -tags does not show profile_type and the request id"; cat tags.txt; exit 1
fi
echo "ok: go tool pprof -top opens all $(wc -l <paths.txt) objects; -tags shows the labels"

# Bad files: said why, removed; the inbox is left empty.
grep -q "inbox: .*notes.pprof (invocation .*): not stored: not a pprof profile or a V8 .cpuprofile" err.log ||
  { echo "FAIL: no log line for the file that is not a profile"; grep inbox err.log; exit 1; }
grep -q "inbox: .tmp-never-renamed: a temporary file left at SHUTDOWN" err.log ||
  { echo "FAIL: no log line for the temporary file left"; grep inbox err.log; exit 1; }
grep -q "12 from the inbox (1 not a profile, 1 left half-written)" err.log ||
  { echo "FAIL: the SHUTDOWN line does not count the inbox"; grep SHUTDOWN err.log; exit 1; }
left=$(find "$tmp/inbox" -mindepth 1 | wc -l)
[ "$left" = 0 ] || { echo "FAIL: $left files left in the inbox"; ls -la "$tmp/inbox"; exit 1; }
echo "ok: the bad file and the temporary one are logged and removed; the inbox is empty"

# pull selects by type from the key alone.
"$LS_BINARY" pull lambdascope-data -o pulled --profile-type heap >pull.log 2>&1 || { cat pull.log; exit 1; }
n_heap=$(find pulled -name '*_heap.pb.gz' | wc -l)
n_all=$(find pulled -name '*.pb.gz' | wc -l)
[ "$n_heap" = 6 ] && [ "$n_all" = 6 ] || { echo "FAIL: pull --profile-type heap got $n_all files, $n_heap heap"; exit 1; }
"$LS_BINARY" merge lambdascope-data --profile-type cpu -o cpu.pb.gz >merge.log 2>&1 || { cat merge.log; exit 1; }
go tool pprof -top -symbolize=none cpu.pb.gz 2>pprof.err | grep -q "main.burnBravo" ||
  { echo "FAIL: the merged cpu profiles do not show main.burnBravo"; cat pprof.err; exit 1; }
rc=0
"$LS_BINARY" merge lambdascope-data -o all.pb.gz >merge-all.log 2>&1 || rc=$?
if [ "$rc" != 2 ] || ! grep -q "cannot merge: .*--profile-type" merge-all.log || [ -e all.pb.gz ]; then
  echo "FAIL: merging cpu and heap together must fail (exit 2, naming --profile-type, no output); rc=$rc"
  cat merge-all.log; exit 1
fi
echo "ok: pull and merge select the inbox's objects by --profile-type; a cpu+heap merge says to choose one"

# serve: each invocation counted once; the Go CPU profiles listed, merged and shown by profile_type; a
# selection mixing CPU and heap is a 400 naming profile_type.
start_serve "$tmp/serve.log" lambdascope-data
python3 - "$SERVE_URL" "$LS_SOURCE_DIR/tests/e2e/lib" "$(cat first.id)" <<'PY'
import sys
base, first = sys.argv[1], sys.argv[3]
sys.path.insert(0, sys.argv[2])
from serve_checks import check, get, get_json
fn = [f for f in get_json(base, "api/functions")["functions"] if f["name"] == "go-fn"]
check(len(fn) == 1 and fn[0]["invocations"] == 6 and fn[0]["p50_ms"] > 0, f"go-fn: 6 invocations, not 12: {fn}")
inv = get_json(base, "api/invocations?function=go-fn&profile_type=cpu&order=start&limit=100")
rows = inv["invocations"]
check(inv["total"] == 6 and all(r["profile_type"] == "cpu" for r in rows), f"6 cpu objects: {inv}")
check(rows[0]["request_id"] == first, f"the first invocation's CPU profile is listed first: {rows[0]}")
status, _, body = get(base + "api/profile?function=go-fn&profile_type=cpu&format=folded")
check(status == 200 and b"main.burnAlpha" in body and b"main.burnCharlie" in body, f"merged cpu: {status} {body[:300]!r}")
status, _, body = get(base + "api/profile?key=" + rows[0]["key"] + "&format=page")
check(status == 200 and b"main.burnAlpha" in body, f"one invocation's Go CPU profile as a page: {status}")
status, _, body = get(base + "api/profile?function=go-fn&format=folded")
check(status == 400 and b"profile_type" in body, f"cpu and heap mixed: 400 naming profile_type, got {status} {body[:300]!r}")
print("ok: serve lists, merges and shows the Go CPU profiles; each invocation counts once")
PY
stop_serve
