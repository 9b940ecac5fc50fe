#!/usr/bin/env bash
# `lambdascope serve s3://bucket/prefix` against s3rver (objects uploaded by Debian's aws CLI): listing from
# keys, folded answers equal `merge s3://...` + `collapse` of the same objects (parallel reads through the
# same S3 reader), objects that are not ours skipped and counted, concurrent requests while a new object
# lands (it appears without a restart), /metrics through promtool.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}" "${LS_SHARED_DATA:?run through ctest}"
tmp=$(mktemp -d)
# shellcheck source=lib/s3_server.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/s3_server.sh"
# shellcheck source=lib/serve.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/serve.sh"
trap 'stop_serve; stop_s3rver; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

start_s3rver "$tmp/s3"
export LAMBDASCOPE_S3_ENDPOINT=$S3_ENDPOINT

# 40 profiles of "api" (perf script recordings converted to pprof; every 10th an init) and 10 of "worker",
# durations all different, over three hours; plus two objects that are not ours.
data=$LS_SHARED_DATA/perf-script
"$LS_BINARY" convert --to pprof "$data/perf-small.txt" -o "$tmp/small.pb.gz"
"$LS_BINARY" convert --to pprof "$data/perf-medium.txt" -o "$tmp/medium.pb.gz"
"$LS_BINARY" convert --to pprof --from 1 --until 2 "$data/perf-medium.txt" -o "$tmp/slice.pb.gz"
python3 - "$tmp" <<'PY'
import os, shutil, sys, time
tmp = sys.argv[1]
now = int(time.time() * 1000)
srcs = [f"{tmp}/small.pb.gz", f"{tmp}/medium.pb.gz", f"{tmp}/slice.pb.gz"]
root = f"{tmp}/upload/prof"
items = [("api", now - 600000 - i * 270000, 20 + i * 13, "init" if i % 10 == 0 else "invoke", f"req-{i:03d}") for i in range(40)]
items += [("worker", now - 900000 - i * 60000, 300 + i, "invoke", f"w-{i:02d}") for i in range(10)]
for n, (fn, start, dur, phase, rid) in enumerate(items):
    t = time.gmtime(start / 1000)
    d = f"{root}/{fn}/{t.tm_year:04d}/{t.tm_mon:02d}/{t.tm_mday:02d}/{t.tm_hour:02d}"
    os.makedirs(d, exist_ok=True)
    shutil.copyfile(srcs[n % 3], f"{d}/{start}_{dur}_{phase}_{rid}.pb.gz")
open(f"{root}/README.txt", "w").write("not a profile")
open(f"{root}/api/notes.pb.gz", "w").write("not in the layout")
PY
awscli s3 cp --recursive --quiet "$tmp/upload/prof" "s3://$S3_BUCKET/prof" || fail "aws s3 cp"

start_serve "$tmp/serve.log" "s3://$S3_BUCKET/prof" -j 4
python3 - "$SERVE_URL" "$tmp" "$S3_BUCKET" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import json, subprocess, sys, threading, time, urllib.parse
base, tmp, bucket = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, sys.argv[4])
from serve_checks import check, check_folded, fail, get, get_json
src = f"s3://{bucket}/prof"
fns = {f["name"]: f for f in get_json(base, "api/functions")["functions"]}
check(sorted(fns) == ["api", "worker"], f"functions: {sorted(fns)}")
check(fns["api"]["invocations"] == 36 and fns["api"]["inits"] == 4 and fns["worker"]["invocations"] == 10, f"counts: {fns}")
check(get_json(base, "api/functions")["foreign_objects"] == 2, "2 objects skipped as not ours")
check_folded(base, tmp, src, "function=api", None, ["--function", "api"], "api")
check_folded(base, tmp, src, "function=api&phase=invoke&min_duration=300", None, ["--function", "api", "--phase", "invoke", "--min-duration", "300"], "api-slow")
check_folded(base, tmp, src, "function=api&since=30m", None, ["--function", "api", "--since", "30m"], "api-30m")
inv = get_json(base, "api/invocations?function=worker&limit=3")
keys = [i["key"] for i in inv["invocations"]]
check(inv["total"] == 10 and len(keys) == 3, "worker invocations")
status, _, body = get(base + "api/profile?format=folded&" + "&".join("key=" + urllib.parse.quote(k) for k in keys))
check(status == 200 and body, "key selection from S3")

# 20 concurrent requests while a new object lands; it appears without a restart.
results = []
def worker(n):
    results.append(get(base + ("api/profile?function=api&format=folded" if n % 2 else "api/invocations?function=api"))[0])
threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
for t in threads: t.start()
now = int(time.time() * 1000)
t = time.gmtime(now / 1000)
key = f"prof/api/{t.tm_year:04d}/{t.tm_mon:02d}/{t.tm_mday:02d}/{t.tm_hour:02d}/{now}_77_invoke_landed.pb.gz"
subprocess.run(["bash", "-c", f'. "$LS_SOURCE_DIR/tests/e2e/lib/s3_server.sh"; S3_ENDPOINT=$LAMBDASCOPE_S3_ENDPOINT awscli s3 cp --quiet "{tmp}/small.pb.gz" "s3://{bucket}/{key}"'], check=True)
for t in threads: t.join()
check(results.count(200) == 20, f"20 concurrent answers 200: {results}")
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    if get_json(base, "api/invocations?function=api&phase=invoke")["total"] == 37: break
    time.sleep(0.2)
else:
    fail("the new object did not appear within 60 s")
check_folded(base, tmp, src, "function=api", None, ["--function", "api"], "api-after")
print("ok: concurrent requests while an object landed; it appears without a restart")
PY
curl -sf "${SERVE_URL}metrics" >"$tmp/metrics.txt"
promtool check metrics <"$tmp/metrics.txt" || { cat "$tmp/metrics.txt"; fail "promtool check metrics"; }
grep -q 'lambdascope_store_profiles{function="api",phase="invoke"} 37' "$tmp/metrics.txt" || fail "37 api invoke profiles in /metrics"
echo "PASS: serve over S3 (s3rver)"
