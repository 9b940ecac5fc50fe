#!/usr/bin/env bash
# A Node.js script under `record --node` (--perf-basic-prof-only-functions): its hot JS function must appear by name in most
# samples, below complete native stacks (node::Start ... Builtins_JSEntry ... JS frames). The loop is a fixed
# amount of work (about 1.2 s of CPU), not a fixed time: on a busy machine a timed loop gets less CPU while
# node's own start-up costs the same, and the hot function's share of the CPU samples would drop.
set -euo pipefail
bin=${LS_BINARY:?run through ctest}
command -v node >/dev/null || { echo "node is not installed (scripts/setup.sh installs it)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/fib.js" <<'JS'
function fibonacciHot(n) { return n < 2 ? n : fibonacciHot(n - 1) + fibonacciHot(n - 2); }
function busyLoop(n) { let s = 0; for (let i = 0; i < n; i++) s += fibonacciHot(20); return s; }
console.log(busyLoop(20000) > 0 ? "ok" : "bad");
JS
out=$("$bin" record --node --hz 499 -o "$tmp/out.folded" -- node "$tmp/fib.js" 2> "$tmp/err") || { cat "$tmp/err"; exit 1; }
[ "$out" = "ok" ] || { echo "program output changed: $out"; exit 1; }
awk -v err="$tmp/err" '
  { w = $NF; total += w }
  /JS:[*~^+]?fibonacciHot / { fib += w }
  /node::Start\(/ && /JS:[*~^+]?fibonacciHot / { complete += w }
  END {
    if (total == 0) { print "no samples"; system("cat " err); exit 1 }
    printf "fibonacciHot: %.0f%% of samples, %.0f%% of those under node::Start\n", 100 * fib / total, 100 * complete / (fib ? fib : 1)
    if (fib / total < 0.5) { print "JS function names missing"; exit 1 }
    if (complete / fib < 0.9) { print "JS stacks do not reach node::Start"; exit 1 }
  }' "$tmp/out.folded"
# --node turned perf maps on, so record removes the maps it caused.
pids=$(grep -o "pid [0-9]*" "$tmp/err" | awk '{print $2}' | sort -u)
for pid in $pids; do
  [ ! -e "/tmp/perf-$pid.map" ] || { echo "/tmp/perf-$pid.map left behind"; exit 1; }
done
echo ok
