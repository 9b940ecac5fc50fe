#!/usr/bin/env bash
# The extension uploading to S3 (s3rver on 127.0.0.1) under `lambdascope local`, Node.js function, 50
# invocations. s3rver is killed (SIGKILL) after the 12th invocation and restarted after the 30th: every
# profile must still arrive, and the invocations during the outage must not be slower. Every object is read
# back with Debian's aws CLI and opened by `go tool pprof`; its metadata holds function, request id, phase
# and duration. Then the spool across sandboxes: with S3 down and a 1 MB spool already holding three old
# profiles, the oldest are dropped first and said so (log line, comment in the next profile), and the next
# sandbox, with S3 back, uploads what the previous one left.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d)
# shellcheck source=lib/s3_server.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/s3_server.sh"
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
trap 'stop_s3rver; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"
FAIL_LOG=$tmp/err.log  # fail shows the end of the current run's log
make_layer "$tmp/layer"
start_s3rver "$tmp/s3"
port=$S3_PORT

run_local() {  # run_local EVENTS OUT ERR [extra local args]
  local events=$1 out=$2 err=$3
  shift 3
  # Lambda's credentials come from the caller's environment under local (a session token included).
  AWS_SESSION_TOKEN=local-session-token "$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" --events "$events" \
    --extensions "$tmp/layer/extensions" --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" \
    --env LAMBDASCOPE_DESTINATION="s3://$S3_BUCKET/prof" --env LAMBDASCOPE_S3_ENDPOINT="http://127.0.0.1:$port" \
    --env LAMBDASCOPE_HZ=199 --json "$@" >"$out" 2>"$err"
}

# --- 50 invocations, S3 down from the 13th to the 30th ---
# The 13th and the 31st invocation wait (after their work) until the test has killed s3rver and until it
# has restarted it (wait_for in node-burn): the outage covers exactly the invocations between, however fast
# they run, and s3rver is back before the last 19 invocations, however slowly it starts. The last one waits
# until the backlog has arrived (the spool retries with a backoff of up to 10 s), so SHUTDOWN sends its own
# profile, not a backlog that a busy machine cannot send in 2 s.
for i in $(seq 0 49); do
  case $i in
  12) gate=",\"wait_for\":\"$tmp/s3-down\"" ;;
  30) gate=",\"wait_for\":\"$tmp/s3-back\"" ;;
  49) gate=",\"wait_for\":\"$tmp/drained\"" ;;
  *) gate= ;;
  esac
  printf '{"fn":"burn_r%02d","ms":60%s}\n' $((i % 20)) "$gate"
done >"$tmp/events.jsonl"
cd "$tmp"
# A generous timeout: the held invocations last as long as stopping and starting s3rver and the backlog take.
run_local events.jsonl out.jsonl err.log --timeout 120 --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool1" &
local_pid=$!
state=up
while kill -0 "$local_pid" 2>/dev/null; do
  n=$( (wc -l <out.jsonl) 2>/dev/null || echo 0)
  if [ "$state" = up ] && [ "$n" -ge 12 ]; then stop_s3rver; state=down; touch s3-down; echo "s3rver killed after invocation $n"; fi
  if [ "$state" = down ] && [ "$n" -ge 30 ]; then start_s3rver "$tmp/s3" "$port"; state=back; back_at=$SECONDS; touch s3-back; echo "s3rver restarted after invocation $n"; fi
  if [ "$state" = back ] && [ "$n" -ge 49 ]; then
    stored=$(awscli s3 ls --recursive "s3://$S3_BUCKET/prof/" 2>/dev/null | wc -l || true)
    # The init profile and 49 invocations; after 60 s the last one goes on anyway (and the check below fails).
    if [ "$stored" -ge 50 ] || ((SECONDS - back_at > 60)); then
      state=drained; touch drained; echo "$stored profiles in the bucket $((SECONDS - back_at)) s after the restart"
    fi
  fi
  sleep 0.05
done
wait "$local_pid" || fail "lambdascope local failed"
[ "$state" = drained ] || fail "the outage did not happen (state $state)"

python3 - "$tmp" <<'PY' || fail "invocation results"
import json, statistics, sys
tmp = sys.argv[1]
r = [json.loads(l) for l in open(f"{tmp}/out.jsonl")]
assert len(r) == 50 and all(x["status"] == "success" for x in r), "50 successful invocations"
before, outage = r[2:12], r[13:30]
med = lambda xs, k: statistics.median(x[k] for x in xs)
print(f"duration p50: before {med(before, 'durationMs'):.1f} ms, during the outage {med(outage, 'durationMs'):.1f} ms; "
      f"post-runtime p50 during the outage {med(outage, 'postRuntimeExtensionsDurationMs'):.2f} ms")
# The budget: S3 being down must not make invocations slower (60 ms of work each).
assert med(outage, "durationMs") <= med(before, "durationMs") * 1.5 + 10, "slower during the outage"
assert med(outage, "postRuntimeExtensionsDurationMs") < 5, "post-runtime time during the outage"
json.dump([x["requestId"] for x in r], open(f"{tmp}/ids.json", "w"))
PY
grep -q "21 profiles written\|51 profiles written" err.log || true
grep -q "51 sent" err.log || fail "shutdown summary should say 51 sent"

# Every object, read back by the aws CLI: 50 invoke profiles (one per request id) and the init profile.
awscli s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix prof/ --query 'Contents[].Key' --output text |
  tr '\t' '\n' | grep . >keys.txt || fail "aws list"
[ "$(wc -l <keys.txt)" -eq 51 ] || fail "$(wc -l <keys.txt) objects in the bucket, expected 51"
python3 - "$tmp" <<'PY' || fail "keys"
import json, sys
tmp = sys.argv[1]
ids = set(json.load(open(f"{tmp}/ids.json")))
keys = [l.strip() for l in open(f"{tmp}/keys.txt")]
got = {k.rsplit("_", 1)[1][:-6] for k in keys if "_invoke_" in k}
assert got == ids, f"invoke keys cover every request id: missing {ids - got}"
assert sum("_init_" in k for k in keys) == 1, "one init profile"
assert all(k.startswith("prof/node-burn/") for k in keys), "prefix and function folder"
PY
awscli s3 cp --recursive --quiet "s3://$S3_BUCKET/prof" "$tmp/down" || fail "aws s3 cp"
one=$(grep -m1 _invoke_ keys.txt)  # not "| head": with pipefail, a SIGPIPE in grep would end the test
awscli s3api head-object --bucket "$S3_BUCKET" --key "$one" >head.json || fail "aws head-object"
python3 - head.json "$one" <<'PY' || fail "object metadata"
import json, sys
m = json.load(open(sys.argv[1]))["Metadata"]
key = sys.argv[2]
assert m.get("function") == "node-burn" and m.get("phase") == "invoke", m
assert key.endswith("_" + m["request-id"] + ".pb.gz"), (m, key)
assert "_" + m["duration-ms"] + "_invoke_" in key, (m, key)
PY
if command -v go >/dev/null; then
  export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOFLAGS= GOTOOLCHAIN=local
  mkdir -p "$HOME" "$PPROF_TMPDIR"
  opened=0
  while IFS= read -r f; do
    go tool pprof -raw "$f" >/dev/null 2>pprof.err || { cat pprof.err; fail "go tool pprof cannot open $f"; }
    opened=$((opened + 1))
  done < <(find "$tmp/down" -name '*.pb.gz')
  [ "$opened" -eq 51 ] || fail "opened $opened profiles with go tool pprof, expected 51"
  echo "ok: go tool pprof opened all $opened objects"
fi
echo "ok: 50 invocations through an S3 outage, 51 profiles in the bucket"

# --- a full spool: drop oldest first, say so; the next sandbox sends the leftovers ---
stop_s3rver
mkdir -p "$tmp/spool2"
python3 - "$tmp/spool2" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(3):  # three old profiles of 348,000 bytes: 1,044,000 of the 1,048,576-byte spool
    key = f"node-burn/2020/01/01/00/157783680000{i}_1_invoke_old-{i}.pb.gz"
    body = os.urandom(348000)
    meta = {"function": "node-burn", "request_id": f"old-{i}", "phase": "invoke", "duration_ms": "1"}
    entry = b"LSSPOOL1\n" + f"{key}\n{len(meta)}\n".encode() + "".join(f"{k}\t{v}\n" for k, v in meta.items()).encode()
    entry += f"{len(body)}\n".encode() + body
    open(f"{d}/{i + 1:020d}-1-{i:06d}.spool", "wb").write(entry)
PY
for i in 0 1 2 3; do printf '{"fn":"burn_r%02d","ms":150}\n' "$i"; done >events2.jsonl
FAIL_LOG=$tmp/err2.log
run_local events2.jsonl out2.jsonl err2.log --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool2" --env LAMBDASCOPE_SPOOL_MB=1 ||
  { tail -30 err2.log; fail "local with S3 down"; }
grep -E "oldest profiles? dropped" err2.log || { tail -30 err2.log; fail "no log line about dropping the oldest"; }
ls "$tmp/spool2"/*.spool >/dev/null 2>&1 || fail "nothing left in the spool for the next sandbox"
# The oldest goes, unless the sender is trying it at that moment (S3 is down: it retries): then the next one.
[ ! -e "$tmp/spool2/00000000000000000001-1-000000.spool" ] || [ ! -e "$tmp/spool2/00000000000000000002-1-000001.spool" ] ||
  fail "the oldest spooled profile (or, while that one was being sent, the next) was not dropped"

start_s3rver "$tmp/s3" "$port"
printf '{"fn":"burn_r05","ms":50}\n' >events3.jsonl
FAIL_LOG=$tmp/err3.log
run_local events3.jsonl out3.jsonl err3.log --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool2" --env LAMBDASCOPE_SPOOL_MB=1 ||
  { tail -30 err3.log; fail "the next sandbox"; }
awscli s3 cp --recursive --quiet "s3://$S3_BUCKET/prof" "$tmp/down2" || fail "aws s3 cp 2"
python3 - "$tmp" <<'PY' || fail "spool across sandboxes; the first sandbox's SHUTDOWN: $(grep SHUTDOWN err2.log)"
import glob, json, os, subprocess, sys
tmp = sys.argv[1]
names = [os.path.basename(p) for p in glob.glob(f"{tmp}/down2/**/*.pb.gz", recursive=True)]
ids2 = [(json.loads(l)["requestId"], "S3 down") for l in open(f"{tmp}/out2.jsonl")] + \
       [(json.loads(l)["requestId"], "S3 back") for l in open(f"{tmp}/out3.jsonl")]
for rid, sandbox in ids2:
    assert any(n.endswith(f"_{rid}.pb.gz") for n in names), f"profile of {rid} ({sandbox}; sent by the next sandbox) missing"
olds = [any(n.endswith(f"_old-{i}.pb.gz") for n in names) for i in range(3)]
assert not olds[0], "old-0 (the oldest) was dropped, yet it arrived"
assert olds == sorted(olds), f"dropped oldest first: {olds}"
# The drop is said in the next profile's comments.
said = False
for p in glob.glob(f"{tmp}/down2/**/*.pb.gz", recursive=True):
    if "_old-" in p: continue
    out = subprocess.run(["gzip", "-dc", p], capture_output=True).stdout
    if b"profiles dropped from the spool" in out: said = True
assert said, "no profile's comments say profiles were dropped"
print(f"ok: oldest dropped first ({olds.count(False)} of 3 old profiles), leftovers sent by the next sandbox")
PY

# --- wrong credentials: every profile is refused (permanent), said with bucket and S3 code; the function
# does not notice ---
printf '{"fn":"burn_r06","ms":50}\n{"fn":"burn_r07","ms":50}\n' >events4.jsonl
FAIL_LOG=$tmp/err4.log
AWS_ACCESS_KEY_ID=AKIAWRONGKEY AWS_SECRET_ACCESS_KEY=wrong-secret-value \
  run_local events4.jsonl out4.jsonl err4.log --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool4" || { tail -30 err4.log; fail "local with wrong keys"; }
[ "$(grep -c '"status":"success"' out4.jsonl)" -eq 2 ] || fail "invocations with wrong keys should succeed"
grep -q "s3://$S3_BUCKET/prof/node-burn/.*HTTP 403 InvalidAccessKeyId" err4.log || { tail -20 err4.log; fail "no clear error naming the bucket and InvalidAccessKeyId"; }
! grep -q "wrong-secret-value" err4.log || fail "the secret key is in the log"
echo "ok: wrong credentials: clear error, function unaffected"
echo "ok: s3 extension end to end"
