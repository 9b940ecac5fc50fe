#!/usr/bin/env bash
# `lambdascope collapse` beside its peers, in one run on the same decompressed perf-large recording (99.6 MB,
# 118,791 samples): our CLI (default threads and --threads 1), `wc -l` (the floor: reading the file once), and
# the npm flamegraph package's perf collapser (cpuprofilify's perf-script-to-cpuprofile stage, run without
# the SVG rendering). Then our peak RSS on perf-large and on a ~1 GB input made by repeating it. Prints a
# markdown section on stdout (bench/run.sh puts it into docs/benchmarks.md); progress goes to stderr.
# Usage: bench/collapse_peers.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/$build/src/lambdascope
shared=${LS_SHARED_DATA:-$root/../shared/data}
bundle=$root/node_modules/flamegraph/dist/flamegraph.js
runs=${BENCH_RUNS:-10}
[ -x "$bin" ] || { echo "collapse_peers: no $bin (build first)" >&2; exit 1; }
command -v hyperfine > /dev/null || { echo "collapse_peers: hyperfine not found" >&2; exit 1; }

tmp=$(mktemp -d /tmp/lambdascope-collapse-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
input=$tmp/perf-large.txt
zcat "$shared/perf-script/perf-large.txt.gz" > "$input"
bytes=$(stat -c %s "$input")

# The npm flamegraph package keeps its perf collapser (cpuprofilify) inside a browserify bundle: load the
# bundle so it returns that module instead of the SVG renderer, and convert the lines as its CLI reads them.
cat > "$tmp/flamegraph_collapse.js" <<'EOF'
const fs = require('fs');
const [bundle, file] = process.argv.slice(2);
const src = fs.readFileSync(bundle, 'utf8').replace(/\},\{\},\[1\]\)\(1\)\s*\}\);\s*$/, '},{},[1])(15)\n});');
const m = { exports: {} };
new Function('module', 'exports', 'require', src)(m, m.exports, require);
if (typeof m.exports !== 'function') throw new Error('cpuprofilify not found in ' + bundle);
const profile = m.exports().convert(fs.readFileSync(file).toString().split('\n'), {});
if (!profile.samples || profile.samples.length === 0) throw new Error('no samples');
EOF
peer_ok=1
if [ ! -f "$bundle" ] || ! command -v node > /dev/null || ! node "$tmp/flamegraph_collapse.js" "$bundle" "$input" 2> "$tmp/peer.err"; then
  peer_ok=0
  echo "collapse_peers: flamegraph npm peer unavailable: $(head -c 300 "$tmp/peer.err")" >&2
fi

echo "collapse_peers: timing on $bytes bytes ($runs runs each)" >&2
hyperfine -N -w 3 -r "$runs" --export-json "$tmp/ours.json" \
  -n "lambdascope collapse" "$bin collapse $input" \
  -n "lambdascope collapse --threads 1" "$bin collapse --threads 1 $input" \
  -n "wc -l" "wc -l $input" >&2
if [ $peer_ok = 1 ]; then
  hyperfine -N -w 1 -r 3 --export-json "$tmp/peer.json" \
    -n "flamegraph (npm) perf collapse" "node $tmp/flamegraph_collapse.js $bundle $input" >&2
fi

rss_kb() { /usr/bin/time -f %M "$@" 2>&1 > /dev/null | tail -1; }
rss_large=$(rss_kb "$bin" collapse "$input")
# ~1 GB with few unique stacks: perf-large repeated. Memory must not grow with the input.
for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$input"; done > "$tmp/perf-1g.txt"
big=$(stat -c %s "$tmp/perf-1g.txt")
start=$(date +%s.%N)
rss_big=$(rss_kb "$bin" collapse "$tmp/perf-1g.txt")
seconds_big=$(echo "$(date +%s.%N) - $start" | bc)
samples_big=$("$bin" collapse "$tmp/perf-1g.txt" | awk '{s += $NF} END {print s}')

python3 - "$tmp/ours.json" "$tmp/peer.json" "$bytes" "$rss_large" "$big" "$rss_big" "$seconds_big" "$samples_big" <<'EOF'
import json, os, sys
ours_path, peer_path, size, rss_large, big, rss_big, seconds_big, samples_big = sys.argv[1:]
size, big = int(size), int(big)
results = json.load(open(ours_path))["results"]
if os.path.exists(peer_path):
    results += json.load(open(peer_path))["results"]
by_name = {r["command"]: r for r in results}
ours = by_name["lambdascope collapse"]["mean"]
print("## Collapse: perf script to folded stacks")
print()
print(f"Input: perf-large ({size / 1e6:.1f} MB decompressed, 118,791 samples), page-cached, output to /dev/null.")
print("`flamegraph (npm)` is the npm flamegraph package's perf collapser (cpuprofilify), without SVG rendering.")
print()
print("| command | time (mean ± σ) | best | throughput (mean) | relative to `lambdascope collapse` |")
print("|---|---|---|---|---|")
for r in results:
    mean, sd = r["mean"], r["stddev"] or 0.0
    print(f"| `{r['command']}` | {mean * 1e3:.1f} ms ± {sd * 1e3:.1f} | {r['min'] * 1e3:.1f} ms "
          f"| {size / mean / 1e6:.0f} MB/s | {mean / ours:.2f}× |")
print()
wc = by_name["wc -l"]
print(f"- ours vs `wc -l`: {ours / wc['mean']:.1f}× the time of `wc -l` (best runs: "
      f"{by_name['lambdascope collapse']['min'] / wc['min']:.1f}×; target: within 5×). On a shared machine the "
      f"best runs are the ones another process did not slow down.")
if "flamegraph (npm) perf collapse" in by_name:
    print(f"- ours vs flamegraph (npm): {by_name['flamegraph (npm) perf collapse']['mean'] / ours:.0f}× faster")
print(f"- peak RSS on perf-large: {int(rss_large) / 1024:.1f} MiB")
print(f"- {big / 1e9:.2f} GB input (perf-large ×10, {samples_big} samples): {float(seconds_big):.2f} s "
      f"({big / float(seconds_big) / 1e6:.0f} MB/s), peak RSS {int(rss_big) / 1024:.1f} MiB (target: < 64 MiB)")
EOF
