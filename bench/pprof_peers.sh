#!/usr/bin/env bash
# Merging 1,000 small profiles (a fleet of short invocations) into one, lambdascope vs go tool pprof:
#   lambdascope convert --to pprof f1 ... f1000 -o merged.pb.gz      (reads all, merges by pprof's rules, writes)
#   go tool pprof -proto -symbolize=none f1 ... f1000 > merged.pb.gz
# The inputs are variations of ../shared/data/pprof/go-cpu.pb.gz written by our pprof writer (pprof_bench
# --generate). Both outputs must total the same per sample type. Prints a markdown table.
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

"$gen" --generate="$tmp/in" --count="$count"
inputs=("$tmp"/in/*.pb.gz)
echo "inputs: ${#inputs[@]} profiles, $(du -sh "$tmp/in" | cut -f1) gzip'd" >&2

# Best of 3 wall-clock runs, in seconds.
best_of_3() {
  local best="" t
  for _ in 1 2 3; do
    local start end
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done
  printf '%.3f' "$best"
}

ours() { "$bin" convert --to pprof "${inputs[@]}" -o "$tmp/ours.pb.gz"; }
theirs() { go tool pprof -proto -symbolize=none "${inputs[@]}" >"$tmp/theirs.pb.gz" 2>"$tmp/go.err"; }
go tool pprof -h >/dev/null 2>&1 || true  # build the go tool once, outside the timing

t_ours=$(best_of_3 ours)
t_theirs=$(best_of_3 theirs)

totals() {
  go tool pprof -raw -symbolize=none "$1" 2>/dev/null | awk '
    /^Samples:/ { getline; n = split($0, types, " "); s = 1; next }
    /^Locations/ { s = 0 }
    s && /:/ { split($0, parts, ":"); k = split(parts[1], v, " "); samples++; for (i = 1; i <= k; i++) sum[i] += v[i] }
    END { printf "%d samples", samples; for (i = 1; i <= n; i++) printf ", %s %.0f", types[i], sum[i] }'
}
tot_ours=$(totals "$tmp/ours.pb.gz")
tot_theirs=$(totals "$tmp/theirs.pb.gz")
size_ours=$(stat -c %s "$tmp/ours.pb.gz")
size_theirs=$(stat -c %s "$tmp/theirs.pb.gz")

echo
echo "Merging $count profiles into one pprof (best of 3 runs, $(nproc) cores)"
echo
echo "| tool | time (s) | output (bytes) | totals |"
echo "|---|---:|---:|---|"
echo "| lambdascope convert --to pprof | $t_ours | $size_ours | $tot_ours |"
echo "| go tool pprof -proto ($(go version | awk '{print $3}')) | $t_theirs | $size_theirs | $tot_theirs |"
echo
echo "lambdascope is $(echo "scale=2; $t_theirs / $t_ours" | bc)x as fast as go tool pprof"
if [ "$tot_ours" != "$tot_theirs" ]; then
  echo "MISMATCH: the merged totals differ" >&2
  exit 1
fi
