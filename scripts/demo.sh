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

echo "lambdascope demo: the sample function's profile in every form"
echo "  folded stacks:            $out/sample.folded ($(wc -l < "$out/sample.folded") stacks)"
echo "  annotated, by period:     $out/sample-annotated.folded"
echo "  pprof (go tool pprof):    $out/sample.pb.gz"
echo "  speedscope JSON:          $out/sample.speedscope.json"
echo "  first invocation only:    $out/first-invocation.folded"
echo
echo "Hottest stacks:"
awk '{w=$NF; sub(/ [0-9.]+$/, ""); n=split($0, f, ";"); print w "\t" f[1] ";...;" f[n]}' "$out/sample.folded" |
  sort -t$'\t' -k1,1nr | head -5 | sed 's/^/  /'
