#!/usr/bin/env bash
# Merging 1,000 small profiles (a fleet of short invocations) into one, lambdascope vs go tool pprof:
#   lambdascope convert --to pprof f1 ... f1000 -o merged.pb.gz      (reads all, merges by pprof's rules, writes)
#   go tool pprof -proto -symbolize=none f1 ... f1000 > merged.pb.gz
# The inputs are variations of ../shared/data/pprof/go-cpu.pb.gz written by our pprof writer (pprof_bench
# --generate), in two sets: "labeled" profiles as lambdascope stores them (per-sample end_timestamp_ns, thread
# id, request_id: no two samples merge) and "plain" ones (no labels: samples merge across files). Both
# outputs must total the same per sample type. Prints a markdown table.
# Usage: bench/pprof_peers.sh BUILD_DIR [COUNT]
set -euo pipefail
build=$(cd "${1:?usage: pprof_peers.sh BUILD_DIR [COUNT]}" && pwd)
count=${2:-1000}
root=$(cd "$(dirname "$0")/.." && pwd)
export LS_SHARED_DATA=${LS_SHARED_DATA:-$root/../shared/data}
bin=$build/src/lambdascope
gen=$build/bench/pprof_bench
[ -x "$bin" ] && [ -x "$gen" ] || { echo "build lambdascope and pprof_bench in $build first" >&2; exit 1; }
command -v go >/dev/null || { echo "go is not installed" >&2; exit 1; }

tmp=$(mktemp -d /tmp/lambdascope-pprof-peers-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOTOOLCHAIN=local
mkdir -p "$HOME" "$PPROF_TMPDIR"
go tool pprof -h >/dev/null 2>&1 || true  # build the go tool once, outside the timing

seconds() { date +%s.%N; }
# Wall-clock seconds of the best of up to 3 runs (one run when a run takes over 10 s).
best() {
  local best="" t start
  for _ in 1 2 3; do
    start=$(seconds)
    "$@"
    t=$(echo "$(seconds) - $start" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
    [ "$(echo "$t > 10" | bc)" = 1 ] && break
  done
  printf '%.3f' "$best"
}

totals() {
  go tool pprof -raw -symbolize=none "$1" 2>/dev/null | awk '
    /^Samples:/ { getline; n = split($0, types, " "); s = 1; next }
    /^Locations/ { s = 0 }
    s && /:/ && !/:\[/ { split($0, parts, ":"); k = split(parts[1], v, " "); samples++; for (i = 1; i <= k; i++) sum[i] += v[i] }
    END { printf "%d samples", samples; for (i = 1; i <= n; i++) printf ", %s %.0f", types[i], sum[i] }'
}

rows=()
status=0
for set in labeled plain; do
  flag=""
  [ "$set" = plain ] && flag=--plain
  "$gen" --generate="$tmp/$set" --count="$count" $flag
  inputs=("$tmp/$set"/*.pb.gz)
  ours() { "$bin" convert --to pprof "${inputs[@]}" -o "$tmp/ours.pb.gz"; }
  theirs() { go tool pprof -proto -symbolize=none "${inputs[@]}" >"$tmp/theirs.pb.gz" 2>"$tmp/go.err"; }
  t_ours=$(best ours)
  t_theirs=$(best theirs)
  tot_ours=$(totals "$tmp/ours.pb.gz")
  tot_theirs=$(totals "$tmp/theirs.pb.gz")
  if [ "$tot_ours" != "$tot_theirs" ]; then
    echo "MISMATCH ($set): lambdascope $tot_ours; go tool pprof $tot_theirs" >&2
    status=1
  fi
  size_in=$(du -sb "$tmp/$set" | cut -f1)
  rows+=("| $set | $((size_in / 1024)) KiB | $t_ours s | $t_theirs s | $(echo "scale=1; $t_theirs / $t_ours" | bc)x | $(stat -c %s "$tmp/ours.pb.gz") / $(stat -c %s "$tmp/theirs.pb.gz") | $tot_ours |")
done

echo
echo "Merging $count profiles into one pprof: lambdascope convert --to pprof vs go tool pprof -proto"
echo "($(go version | awk '{print $3}'), best of up to 3 wall-clock runs, $(nproc) cores; totals equal for both)"
echo
echo "| inputs | size (gzip'd) | lambdascope | go tool pprof | speedup | output bytes (ours / go) | merged totals |"
echo "|---|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
exit $status
