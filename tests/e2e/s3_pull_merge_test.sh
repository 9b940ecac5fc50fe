#!/usr/bin/env bash
# `pull` and `merge` over 1,200 profiles in s3rver (uploaded by Debian's aws CLI, the independent client):
# filters select by key (function, since/until, phase, min duration, slowest), listing paginates past 1,000
# keys and starts at --since's hour, pull skips what is cached, merge streams from S3 and from a directory
# and `go tool pprof` opens the result. Wrong credentials and a missing bucket are clear errors, with no
# output left behind.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}" "${LS_SHARED_DATA:?run through ctest}"
tmp=$(mktemp -d)
# shellcheck source=lib/s3_server.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/s3_server.sh"
trap 'stop_s3rver; [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"

start_s3rver "$tmp/s3"
export LAMBDASCOPE_S3_ENDPOINT=$S3_ENDPOINT

# 1,100 profiles of "api" every 30 s back from now (every 50th an init), 100 of "worker_x" every 3 min;
# durations all different. Plus files that are not ours, which every reader must skip.
python3 - "$tmp" "$LS_SHARED_DATA/pprof/go-cpu.pb.gz" <<'PY'
import json, os, shutil, sys, time
tmp, src = sys.argv[1], sys.argv[2]
now = int(time.time() * 1000)
base = now - 15000  # items sit 15 s off every "N hours ago" boundary (relative times are checked against the
                    # clock read around each command, not this one: uploading takes a while on a busy machine)
items = []
for i in range(1100):
    items.append(("api", base - i * 30000, 1 + (i * 7919) % 3000, "init" if i % 50 == 0 else "invoke", f"req-api-{i:04d}"))
for i in range(100):
    items.append(("worker_x", base - i * 180000, 5000 + i * 13, "invoke", f"req-w-{i:03d}"))
root = f"{tmp}/upload/prof"
for fn, start, dur, phase, rid in items:
    t = time.gmtime(start / 1000)
    d = f"{root}/{fn}/{t.tm_year:04d}/{t.tm_mon:02d}/{t.tm_mday:02d}/{t.tm_hour:02d}"
    os.makedirs(d, exist_ok=True)
    shutil.copyfile(src, f"{d}/{start}_{dur}_{phase}_{rid}.pb.gz")
open(f"{root}/README.txt", "w").write("not a profile")
open(f"{root}/api/notes.pb.gz", "w").write("not in the layout")
json.dump({"now": now, "items": items}, open(f"{tmp}/items.json", "w"))
PY
awscli s3 cp --recursive --quiet "$tmp/upload/prof" "s3://$S3_BUCKET/prof" || fail "aws s3 cp"
listed=$(awscli s3 ls --recursive "s3://$S3_BUCKET/prof/" | wc -l)
[ "$listed" -eq 1202 ] || fail "aws lists $listed objects, expected 1202"

# expect QUERY-JSON: how many items a query selects (python mirror of the filters).
expect() {
  python3 - "$tmp/items.json" "$1" <<'PY'
import json, sys
data = json.load(open(sys.argv[1])); q = json.loads(sys.argv[2])
sel = [it for it in data["items"]
       if (not q.get("function") or it[0] == q["function"])
       and it[1] >= q.get("since", 0) and it[1] < q.get("until", 1 << 62)
       and (not q.get("phase") or it[3] == q["phase"]) and it[2] >= q.get("min", 0)]
if "slowest" in q:
    sel = sorted(sel, key=lambda it: -it[2])[:q["slowest"]]
print(" ".join(sorted(f"{it[1]}_{it[2]}_{it[3]}_{it[4]}.pb.gz" for it in sel)))
PY
}
names_in() { find "$1" -name '*.pb.gz' -printf '%f\n' | sort | tr '\n' ' ' | sed 's/ $//'; }
now=$(python3 -c 'import json; print(json.load(open("'"$tmp"'/items.json"))["now"])')

# 1. Everything of one function: 1,100 keys, more than one ListObjectsV2 page; the strays are skipped.
"$LS_BINARY" pull "s3://$S3_BUCKET/prof" --function api -o "$tmp/all" 2>"$tmp/pull1.err" || { cat "$tmp/pull1.err"; fail "pull api"; }
[ "$(names_in "$tmp/all")" = "$(expect '{"function":"api"}')" ] || fail "pull --function api: not the 1,100 api profiles"
grep -q "1100 selected (2 list requests), 1100 downloaded, 0 already cached" "$tmp/pull1.err" || { cat "$tmp/pull1.err"; fail "pull summary"; }
cmp -s "$tmp/all/api/$(cd "$tmp/all/api" && find . -name '*.pb.gz' -print -quit)" "$LS_SHARED_DATA/pprof/go-cpu.pb.gz" || fail "downloaded bytes differ"

# 2. Absolute time range, phase and minimum duration.
since=$((now - 15000 - 200 * 30000 - 10000)); until=$((now - 15000 - 40 * 30000 + 10000))
q="{\"function\":\"api\",\"since\":$since,\"until\":$until,\"phase\":\"invoke\",\"min\":1500}"
"$LS_BINARY" pull "s3://$S3_BUCKET/prof" --function api --since "$since" --until "$until" --phase invoke \
  --min-duration 1500 -o "$tmp/range" 2>"$tmp/pull2.err" || { cat "$tmp/pull2.err"; fail "pull range"; }
want=$(expect "$q")
[ -n "$want" ] && [ "$(names_in "$tmp/range")" = "$want" ] || fail "pull range/phase/min-duration selected $(names_in "$tmp/range" | wc -w), expected $(echo "$want" | wc -w)"
# RFC 3339 gives the same selection.
since_rfc=$(date -u -d "@$((since / 1000))" +%Y-%m-%dT%H:%M:%S).$(printf %03d $((since % 1000)))Z
"$LS_BINARY" pull "s3://$S3_BUCKET/prof" --function api --since "$since_rfc" --until "$until" --phase invoke \
  --min-duration 1500 -o "$tmp/range" 2>"$tmp/pull3.err" || { cat "$tmp/pull3.err"; fail "pull rfc3339"; }
grep -q " 0 downloaded, $(echo "$want" | wc -w) already cached" "$tmp/pull3.err" || { cat "$tmp/pull3.err"; fail "second pull should download nothing"; }

# 3. --since 1h lists from that hour on: one page instead of two. "1h" is an hour before the moment pull
# reads its clock, somewhere between the two readings around it; an item in between may go either way.
before=$(date +%s%3N)
"$LS_BINARY" pull "s3://$S3_BUCKET/prof" --function api --since 1h -o "$tmp/hour" 2>"$tmp/pull4.err" || { cat "$tmp/pull4.err"; fail "pull 1h"; }
after=$(date +%s%3N)
got=$(names_in "$tmp/hour")
all=$(expect "{\"function\":\"api\",\"since\":$((before - 3600000))}")
must=$(expect "{\"function\":\"api\",\"since\":$((after - 3600000))}")
python3 - "$got" "$all" "$must" <<'PY' || fail "pull --since 1h selection: $(echo "$got" | wc -w) profiles"
import sys
got, allowed, must = (set(a.split()) for a in sys.argv[1:])
start = lambda name: int(name.split("_")[0])
assert must and must <= got <= allowed, "between the selections of the clock readings around the command"
assert not got or all(start(n) < min(map(start, got)) for n in allowed - got), "newest first, no holes"
PY
grep -q "(1 list requests)" "$tmp/pull4.err" || { cat "$tmp/pull4.err"; fail "--since 1h should skip old hours in the listing"; }

# 4. --slowest N over every function (no --function: functions found by listing with a delimiter).
"$LS_BINARY" pull "s3://$S3_BUCKET/prof" --slowest 7 -o "$tmp/slow" 2>"$tmp/pull5.err" || { cat "$tmp/pull5.err"; fail "pull slowest"; }
[ "$(names_in "$tmp/slow")" = "$(expect '{"slowest":7}')" ] || fail "pull --slowest 7"

# 5. merge straight from S3, and from the pulled directory: the same profile; go tool pprof opens it. The
# same absolute --since for both (relative times are the pull test's above), so both select the same keys.
since3=$((now - 15000 - 360 * 30000 + 10000))  # between two items, about 3 h back
"$LS_BINARY" merge "s3://$S3_BUCKET/prof" --function api --since "$since3" --phase invoke -o "$tmp/m-s3.pb.gz" 2>"$tmp/m1.err" || { cat "$tmp/m1.err"; fail "merge s3"; }
n=$(expect "{\"function\":\"api\",\"since\":$since3,\"phase\":\"invoke\"}" | wc -w)
grep -q "^lambdascope merge: $n profiles merged" "$tmp/m1.err" || { cat "$tmp/m1.err"; fail "merge count, expected $n"; }
"$LS_BINARY" merge "$tmp/all" --function api --since "$since3" --phase invoke -o "$tmp/m-dir.pb.gz" 2>"$tmp/m2.err" || { cat "$tmp/m2.err"; fail "merge dir"; }
grep -q "^lambdascope merge: $n profiles merged" "$tmp/m2.err" || { cat "$tmp/m2.err"; fail "merge dir count"; }
"$LS_BINARY" convert --to folded "$tmp/m-s3.pb.gz" -o "$tmp/m-s3.folded"
"$LS_BINARY" convert --to folded "$tmp/m-dir.pb.gz" -o "$tmp/m-dir.folded"
"$LS_BINARY" convert --to folded "$LS_SHARED_DATA/pprof/go-cpu.pb.gz" -o "$tmp/one.folded"
cmp -s "$tmp/m-s3.folded" "$tmp/m-dir.folded" || fail "merge from S3 and from the directory differ"
python3 - "$tmp/one.folded" "$tmp/m-s3.folded" "$n" <<'PY' || fail "merged weights are not n x one profile"
import sys
def load(p): return {l.rsplit(" ", 1)[0]: int(l.rsplit(" ", 1)[1]) for l in open(p) if l.strip()}
one, merged, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
assert one.keys() == merged.keys() and all(merged[k] == n * one[k] for k in one), "weights"
PY
if command -v go >/dev/null; then
  export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOFLAGS= GOTOOLCHAIN=local
  mkdir -p "$HOME" "$PPROF_TMPDIR"
  go tool pprof -top "$tmp/m-s3.pb.gz" >"$tmp/top.txt" 2>&1 || { cat "$tmp/top.txt"; fail "go tool pprof cannot open the merge"; }
  grep -q "flat%" "$tmp/top.txt" || fail "go tool pprof -top printed no table"
fi

# 6. Wrong credentials: a clear error naming the bucket and S3's code, exit 1, no secret, nothing written.
if AWS_ACCESS_KEY_ID=AKIAWRONGKEY AWS_SECRET_ACCESS_KEY=very-secret-value "$LS_BINARY" pull \
    "s3://$S3_BUCKET/prof" --function api -o "$tmp/denied" 2>"$tmp/denied.err"; then
  fail "pull with wrong credentials succeeded"
fi
grep -q "s3://$S3_BUCKET" "$tmp/denied.err" && grep -q "InvalidAccessKeyId" "$tmp/denied.err" && grep -q "HTTP 403" "$tmp/denied.err" ||
  { cat "$tmp/denied.err"; fail "wrong-credentials message"; }
! grep -q "very-secret-value" "$tmp/denied.err" || fail "the secret key is in the error message"
[ ! -e "$tmp/denied" ] || fail "pull with wrong credentials created its output"
if AWS_ACCESS_KEY_ID=AKIAWRONGKEY "$LS_BINARY" merge "s3://$S3_BUCKET/prof" -o "$tmp/denied.pb.gz" 2>"$tmp/denied2.err"; then
  fail "merge with wrong credentials succeeded"
fi
grep -q "InvalidAccessKeyId" "$tmp/denied2.err" || { cat "$tmp/denied2.err"; fail "merge wrong-credentials message"; }
[ ! -e "$tmp/denied.pb.gz" ] || fail "merge with wrong credentials left an output"

# 7. A missing bucket, and a query that selects nothing.
if "$LS_BINARY" merge "s3://no-such-bucket/prof" --function api -o "$tmp/none.pb.gz" 2>"$tmp/nobucket.err"; then
  fail "merge from a missing bucket succeeded"
fi
grep -q "s3://no-such-bucket" "$tmp/nobucket.err" && grep -q "NoSuchBucket" "$tmp/nobucket.err" || { cat "$tmp/nobucket.err"; fail "NoSuchBucket message"; }
if "$LS_BINARY" merge "s3://$S3_BUCKET/prof" --function nobody -o "$tmp/none.pb.gz" 2>"$tmp/empty.err"; then
  fail "merge of nothing succeeded"
fi
grep -q "no profile matches" "$tmp/empty.err" || { cat "$tmp/empty.err"; fail "empty selection message"; }
[ ! -e "$tmp/none.pb.gz" ] || fail "failed merges left an output"
if "$LS_BINARY" pull "s3://$S3_BUCKET/prof" --since 2h --until 3h -o "$tmp/x" 2>"$tmp/order.err"; then fail "--since after --until accepted"; fi
grep -q "is not before --until" "$tmp/order.err" || { cat "$tmp/order.err"; fail "since/until message"; }

# 8. A corrupt object: merge names it (bucket and key) and exits 2 with no output.
echo "not a profile" | awscli s3 cp - "s3://$S3_BUCKET/prof/api/2020/01/01/00/1577836800000_5_invoke_corrupt.pb.gz" >/dev/null
set +e
"$LS_BINARY" merge "s3://$S3_BUCKET/prof" --function api --until 2020-01-02T00:00:00Z -o "$tmp/bad.pb.gz" 2>"$tmp/bad.err"
rc=$?
set -e
[ "$rc" -eq 2 ] || { cat "$tmp/bad.err"; fail "merge of a corrupt object: exit $rc, expected 2"; }
grep -q "s3://$S3_BUCKET/prof/api/2020/01/01/00/1577836800000_5_invoke_corrupt.pb.gz" "$tmp/bad.err" || { cat "$tmp/bad.err"; fail "corrupt object not named"; }
[ ! -e "$tmp/bad.pb.gz" ] || fail "merge of a corrupt object left an output"
echo "ok: pull and merge over 1,200 S3 objects with filters, caching, pagination, errors"
