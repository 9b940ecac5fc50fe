#!/usr/bin/env bash
# S3 storage numbers (printed; docs/benchmarks.md is updated from them):
#  1. merge throughput: N stored profiles (default 2,000 copies of a real Go CPU profile) merged straight from
#     S3 (s3rver on 127.0.0.1) and from a directory, against the peer way: `aws s3 cp --recursive` then
#     `go tool pprof -proto` over the files.
#  2. what uploading costs the function: a Node.js function under `lambdascope local` with the extension in
#     background mode, destination S3 vs a directory vs no profiler; p50 duration and post-runtime time.
# Usage: bench/s3_peers.sh [BUILD_DIR]   (N=2000 INVOCATIONS=40 to change the sizes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
export LS_BINARY=$build/src/lambdascope LS_SOURCE_DIR=$root
[ -x "$LS_BINARY" ] || LS_BINARY=$build/lambdascope
shared=${LS_SHARED_DATA:-$root/../shared/data}
n=${N:-2000}
invocations=${INVOCATIONS:-40}
tmp=$(mktemp -d)
# shellcheck source=../tests/e2e/lib/s3_server.sh
. "$root/tests/e2e/lib/s3_server.sh"
# shellcheck source=../tests/e2e/lib/lambda_layer.sh
. "$root/tests/e2e/lib/lambda_layer.sh"
trap 'stop_s3rver; rm -rf "$tmp"' EXIT
start_s3rver "$tmp/s3"
export LAMBDASCOPE_S3_ENDPOINT=$S3_ENDPOINT
export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOFLAGS= GOTOOLCHAIN=local
mkdir -p "$HOME" "$PPROF_TMPDIR"

secs() { python3 -c 'import sys,time; print(f"{time.time():.3f}")'; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }

python3 - "$tmp/store/prof" "$shared/pprof/go-cpu.pb.gz" "$n" <<'PY'
import os, shutil, sys, time
root, src, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = int(time.time() * 1000) - 60000
for i in range(n):
    start = base - i * 1000
    t = time.gmtime(start / 1000)
    d = f"{root}/bench/{t.tm_year:04d}/{t.tm_mon:02d}/{t.tm_mday:02d}/{t.tm_hour:02d}"
    os.makedirs(d, exist_ok=True)
    shutil.copyfile(src, f"{d}/{start}_{1 + i % 900}_invoke_r{i:06d}.pb.gz")
PY
mb=$(du -sm "$tmp/store" | cut -f1)
awscli s3 cp --recursive --quiet "$tmp/store/prof" "s3://$S3_BUCKET/prof"
echo "== merge: $n profiles ($mb MB gzip'd) =="
t0=$(secs); "$LS_BINARY" merge "s3://$S3_BUCKET/prof" -o "$tmp/m1.pb.gz" 2>/dev/null; t1=$(secs)
echo "lambdascope merge s3:// (8 jobs):         $(elapsed "$t0" "$t1") s  ($(python3 -c "print(int($n/($t1-$t0)))") profiles/s)"
# Memory is bounded by the distinct stacks, not the count: max RSS for a quarter of the profiles and for all.
quarter=$(python3 -c "import time; print(int(time.time()*1000) - 60000 - $n * 1000 // 4)")
/usr/bin/time -f "%M" -o "$tmp/rss4" "$LS_BINARY" merge "$tmp/store/prof" --since "$quarter" -o "$tmp/m4.pb.gz" 2>"$tmp/m4.err"
/usr/bin/time -f "%M" -o "$tmp/rss" "$LS_BINARY" merge "$tmp/store/prof" -o "$tmp/m2.pb.gz" 2>/dev/null
echo "max RSS of merge DIR: $(( $(tail -1 "$tmp/rss4") / 1024 )) MB for $(grep -o '[0-9]* profiles' "$tmp/m4.err"), $(( $(tail -1 "$tmp/rss") / 1024 )) MB for $n profiles"
t0=$(secs); "$LS_BINARY" merge "$tmp/store/prof" -o "$tmp/m2.pb.gz" 2>/dev/null; t1=$(secs)
echo "lambdascope merge DIR:                    $(elapsed "$t0" "$t1") s  ($(python3 -c "print(int($n/($t1-$t0)))") profiles/s)"
t0=$(secs); awscli s3 cp --recursive --quiet "s3://$S3_BUCKET/prof" "$tmp/peer"; t1=$(secs)
find "$tmp/peer" -name '*.pb.gz' >"$tmp/files"
go tool pprof -proto $(cat "$tmp/files") >"$tmp/m3.pb.gz" 2>/dev/null; t2=$(secs)
echo "peer: aws s3 cp --recursive + go tool pprof -proto: $(elapsed "$t0" "$t2") s (download $(elapsed "$t0" "$t1") s, merge $(elapsed "$t1" "$t2") s)"

echo "== upload cost to the function: $invocations invocations of 100 ms, background mode =="
make_layer "$tmp/layer"
for i in $(seq 0 $((invocations - 1))); do printf '{"fn":"burn_r%02d","ms":100}\n' $((i % 20)); done >"$tmp/events.jsonl"
run() {  # run NAME [local args...]
  local name=$1
  shift
  (cd "$tmp" && "$LS_BINARY" local --function "$root/tests/lambda/fixtures/node-burn" --events events.jsonl --json "$@" \
    >"$tmp/$name.jsonl" 2>"$tmp/$name.err")
  python3 - "$tmp/$name.jsonl" "$name" <<'PY'
import json, statistics, sys
r = [json.loads(l) for l in open(sys.argv[1])][1:]  # the cold start aside
d = statistics.median(x["durationMs"] for x in r)
p = statistics.median(x["postRuntimeExtensionsDurationMs"] for x in r)
print(f"{sys.argv[2]:<28} duration p50 {d:7.2f} ms   post-runtime p50 {p:5.2f} ms   max {max(x['postRuntimeExtensionsDurationMs'] for x in r):5.2f} ms")
PY
}
ext=(--extensions "$tmp/layer/extensions" --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper")
run "no profiler"
run "profiler -> directory" "${ext[@]}" --env LAMBDASCOPE_DESTINATION="file://$tmp/dirstore" --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool-a"
run "profiler -> S3 (s3rver)" "${ext[@]}" --env LAMBDASCOPE_DESTINATION="s3://$S3_BUCKET/upload" \
  --env LAMBDASCOPE_S3_ENDPOINT="$S3_ENDPOINT" --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool-b"
uploaded=$(awscli s3 ls --recursive "s3://$S3_BUCKET/upload/" | wc -l)
echo "objects uploaded to S3: $uploaded (expected $((invocations + 1)))"
