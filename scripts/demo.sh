#!/usr/bin/env bash
# `make demo`: the bundled sample (examples/sample-function.perf.txt, a Node.js Lambda handler: cold start and
# five invocations) through lambdascope, writing everything under out/demo and printing the paths.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
ls=$root/$build/src/lambdascope
out=$root/out/demo
sample=$root/examples/sample-function.perf.txt
mkdir -p "$out"

"$ls" collapse "$sample" -o "$out/sample.folded"
"$ls" collapse --all --weight period "$sample" -o "$out/sample-annotated.folded"
"$ls" convert --to pprof "$sample" -o "$out/sample.pb.gz"
"$ls" convert --to speedscope "$sample" -o "$out/sample.speedscope.json"
"$ls" collapse --from 0.6 --to 1.2 "$sample" -o "$out/first-invocation.folded"
"$ls" flamegraph "$sample" -o "$out/flamegraph.html"
"$ls" flamegraph --title "sample function" --colors js "$sample" -o "$out/flamegraph.svg"
"$ls" heatmap "$sample" -o "$out/heatmap.html"
# The fourth invocation renders a bigger page: compare it with the first.
"$ls" convert --to pprof --from 0.9 --until 1.3 "$sample" -o "$out/invocation-1.pb.gz"
"$ls" convert --to pprof --from 2.5 --until 2.95 "$sample" -o "$out/invocation-4.pb.gz"
"$ls" diff "$out/invocation-1.pb.gz" "$out/invocation-4.pb.gz" -o "$out/diff.html"

echo "lambdascope demo: the sample function's profile in every form"
echo "  flame graph (open it):    $out/flamegraph.html"
echo "  heat map (drag a range):  $out/heatmap.html"
echo "  diff, 4th vs 1st call:    $out/diff.html"
echo "  flame graph SVG:          $out/flamegraph.svg"
echo "  folded stacks:            $out/sample.folded ($(wc -l < "$out/sample.folded") stacks)"
echo "  annotated, by period:     $out/sample-annotated.folded"
echo "  pprof (go tool pprof):    $out/sample.pb.gz"
echo "  speedscope JSON:          $out/sample.speedscope.json"
echo "  first invocation only:    $out/first-invocation.folded"
echo
echo "Hottest stacks:"
awk '{w=$NF; sub(/ [0-9.]+$/, ""); n=split($0, f, ";"); print w "\t" f[1] ";...;" f[n]}' "$out/sample.folded" |
  sort -t$'\t' -k1,1nr | head -5 | sed 's/^/  /'
