#!/usr/bin/env bash
# Flame graph, heat map and SVG from perf-large (99.6 MB of `perf script`, 118,791 samples) end to end, beside
# npm's flamegraph 1.3.0 (perf script in, SVG out) on the same file in the same run, plus the page sizes and
# times of render_bench's generated 1M-sample recording. Prints a markdown table; targets: < 1 s for each
# perf-large output, < 10 MB for the 1M-sample heat map page.
#
#   bash bench/render_peers.sh [BUILD_DIR]     (default: build; needs a Release/RelWithDebInfo build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin=$build/src/lambdascope
bench=$build/bench/render_bench
peer=node_modules/.bin/flamegraph
work=${TMPDIR:-/tmp}/lambdascope-render-bench
runs=${RUNS:-3}
mkdir -p "$work"

for f in "$bin" "$bench" "$peer"; do
  [ -x "$f" ] || { echo "render_peers: $f is missing (build first; run make setup for node_modules)" >&2; exit 1; }
done
input=$work/perf-large.txt
if [ ! -s "$input" ]; then
  echo "render_peers: decompressing perf-large.txt.gz to $input" >&2
  gzip -dc ../shared/data/perf-script/perf-large.txt.gz > "$input.tmp" && mv "$input.tmp" "$input"
fi

# Best wall time in seconds of $runs runs of a command; empty when it fails (the message goes to stderr).
best_of() {
  local best="" t status
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    if ! "$@" >/dev/null 2>"$work/err"; then
      echo "render_peers: failed: $* : $(head -1 "$work/err")" >&2
      return 0
    fi
    end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%.3f' "$best"
}
size_mb() { [ -f "$1" ] && printf '%.2f MB' "$(echo "$(stat -c %s "$1") / 1000000" | bc -l)" || echo "n/a"; }
ratio() { { [ -n "$1" ] && [ -n "$2" ]; } && printf '%.1fx' "$(echo "$2 / $1" | bc -l)" || echo "n/a"; }
show() { [ -n "$1" ] && echo "$1 s" || echo "failed"; }

rm -f "$work"/flame.html "$work"/heat.html "$work"/flame.svg "$work"/peer.svg
html_t=$(best_of "$bin" flamegraph "$input" -o "$work/flame.html")
heat_t=$(best_of "$bin" heatmap "$input" -o "$work/heat.html")
svg_t=$(best_of "$bin" flamegraph "$input" -o "$work/flame.svg")
peer_t=$(best_of sh -c "'$peer' -t perf < '$input' > '$work/peer.svg'")

# render_bench: the 1M-sample recording (generated in memory, so it does not depend on a reader).
"$bench" --benchmark_filter='HeatmapPage1M|FlamegraphPage1M|FlamegraphSvg1M' --benchmark_format=json \
  > "$work/render_bench.json" 2>/dev/null
read -r heat1m_ms heat1m_mb fg1m_ms fg1m_mb svg1m_ms svg1m_mb < <(python3 - "$work/render_bench.json" <<'EOF'
import json, sys
b = {x["name"].split("/")[0]: x for x in json.load(open(sys.argv[1]))["benchmarks"]}
def f(name, counter):
    x = b.get(name, {})
    return "%.0f %.2f" % (x.get("real_time", float("nan")), x.get(counter, float("nan")))
print(f("BM_HeatmapPage1M", "html_MB"), f("BM_FlamegraphPage1M", "html_MB"), f("BM_FlamegraphSvg1M", "svg_MB"))
EOF
)

echo "| perf-large.txt (99.6 MB, 118,791 samples) | lambdascope | npm flamegraph 1.3.0 | peer / lambdascope | output |"
echo "|---|---|---|---|---|"
echo "| flame graph, HTML page | $(show "$html_t") | — | — | $(size_mb "$work/flame.html") |"
echo "| flame graph, SVG | $(show "$svg_t") | $(show "$peer_t") | $(ratio "$svg_t" "$peer_t") | $(size_mb "$work/flame.svg") (peer $(size_mb "$work/peer.svg")) |"
echo "| heat map, HTML page | $(show "$heat_t") | — | — | $(size_mb "$work/heat.html") |"
echo
echo "| generated recording, 1,000,000 samples (render_bench, in memory) | time | output |"
echo "|---|---|---|"
echo "| heat map page (every sample with its time) | $heat1m_ms ms | $heat1m_mb MB |"
echo "| flame graph page (aggregated) | $fg1m_ms ms | $fg1m_mb MB |"
echo "| flame graph SVG | $svg1m_ms ms | $svg1m_mb MB |"
echo
echo "Best of $runs runs, wall clock, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)."
