#!/usr/bin/env bash
# `make demo`: lambdascope end to end on the bundled sample function. It builds the Lambda layer, runs the
# Node.js sample (examples/functions/node-hello) in `lambdascope local` with the layer's extension and exec
# wrapper for 50 invocations (every sixth also builds a report: the planted slow path), as Lambda runs a
# function with the layer, and renders what the extension stored: a flame graph of the invocations, one of the
# cold start, the heat map and a diff of the first and the last invocation (cold vs warm). Then it serves the
# store (`lambdascope serve`, Ctrl-C stops it; DEMO_SERVE=0 skips it, DEMO_PORT picks the port, default 8420).
# Everything goes under out/demo, which is emptied first.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
ls=$root/$build/src/lambdascope
out=$root/out/demo
rm -rf "$out"
mkdir -p "$out"

if ! "$ls" extension --help >/dev/null 2>&1; then
  echo "make demo: $ls has no 'extension' command (the Lambda extension that cuts and stores the profiles" >&2
  echo "  inside the layer), so there is nothing to demonstrate; build it from a tree that has src/lambda/extension." >&2
  exit 1
fi

# 1. The layer, unzipped as Lambda unzips it into /opt.
"$ls" layer -q -o "$out/lambdascope-layer.zip"
unzip -q "$out/lambdascope-layer.zip" -d "$out/layer"

# 2. 50 invocations of the Node.js sample (examples/functions/node-hello, through AWS's runtime interface
#    client as Lambda runs it) with the layer's extension, and its wrapper as AWS_LAMBDA_EXEC_WRAPPER. Every
#    invocation computes the same fibonacci(32), so the first (cold: V8 still interprets and compiles) and the
#    last (warm) differ only by the JIT's warm-up; every sixth also runs buildReport, the slow path that
#    `serve`'s why-slow page finds. Profiles go to a folder instead of S3.
for i in $(seq 1 50); do
  if ((i % 6 == 3)); then printf '{"n":32,"report":true}\n'; else printf '{"n":32}\n'; fi
done >"$out/events.jsonl"
# A copy: the runtime's working folder is the function's, and whatever it writes there belongs under
# out/demo, not in the source tree.
mkdir -p "$out/function"
cp -r "$root/examples/functions/node-hello" "$out/function/sample-function"
data=$out/lambdascope-data
if ! "$ls" local --function "$out/function/sample-function" \
  --events "$out/events.jsonl" --memory 512 --timeout 10 --extensions "$out/layer/extensions" \
  --env "AWS_LAMBDA_EXEC_WRAPPER=$out/layer/lambdascope-wrapper" --env "LAMBDASCOPE_DESTINATION=file://$data" \
  --env LAMBDASCOPE_HZ=199 \
  --json >"$out/invocations.jsonl" 2>"$out/local.log"; then
  tail -20 "$out/local.log" >&2
  echo "make demo: lambdascope local failed (log: $out/local.log)" >&2
  exit 1
fi

# 3. What the extension stored: <function>/<YYYY>/<MM>/<DD>/<HH>/<start-ms>_<duration-ms>_<phase>_<id>.pb.gz
mapfile -t invokes < <(find "$data" -name '*_invoke_*.pb.gz' | sort)
mapfile -t inits < <(find "$data" -name '*_init_*.pb.gz' | sort)
if ((${#invokes[@]} < 2 || ${#inits[@]} < 1)); then
  echo "make demo: expected 50 invocation profiles and a cold-start profile under $data, found" \
    "${#invokes[@]} and ${#inits[@]} (log: $out/local.log)" >&2
  exit 1
fi

"$ls" flamegraph --title "sample-function: ${#invokes[@]} invocations" "${invokes[@]}" -o "$out/invocations.html"
"$ls" flamegraph --title "sample-function: cold start" "${inits[@]}" -o "$out/cold-start.html"
"$ls" heatmap "${inits[@]}" "${invokes[@]}" -o "$out/heatmap.html"
"$ls" diff "${invokes[0]}" "${invokes[-1]}" -o "$out/diff.html"

echo "lambdascope demo: the sample function run ${#invokes[@]} times in lambdascope local with the layer"
echo "  flame graph, all invocations:    $out/invocations.html"
echo "  flame graph, cold start:         $out/cold-start.html"
echo "  heat map (drag a range):         $out/heatmap.html"
echo "  diff, warm (last) vs cold call:  $out/diff.html"
echo "  the layer:                       $out/lambdascope-layer.zip (unzipped in $out/layer)"
echo "  stored profiles:                 $data"
echo "  the run's log (REPORT lines):    $out/local.log"
echo
echo "Profiles (start ms, duration ms, phase):"
for f in "${inits[@]}" "${invokes[@]}"; do
  IFS=_ read -r start duration phase _ <<<"$(basename "$f")"
  printf '  %s  %6s ms  %s\n' "$start" "$duration" "$phase"
done

# 4. Every invocation in the browser: the function page, its latency heat map, and why the slow ones are slow.
if [ "${DEMO_SERVE:-1}" != 0 ]; then
  echo
  echo "Serving $data (Ctrl-C stops; DEMO_SERVE=0 skips this). Open the URL below; the why-slow page of"
  echo "sample-function ranks buildReport, the planted slow path, first."
  exec "$ls" serve "$data" --port "${DEMO_PORT:-8420}"
fi
