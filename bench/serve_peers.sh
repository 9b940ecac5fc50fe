#!/usr/bin/env bash
# `lambdascope serve` numbers (printed; docs/benchmarks.md is updated from them), over a directory store of N
# invocation profiles (default 100,000 copies of a real Go CPU profile, one function, 1 s apart):
#  - ready: from the start until /api/functions answers (the whole listing done);
#  - /api/invocations for the function (limit 1000), median of 5;
#  - the merged flame graph (format=page) of 1,000 invocations, cold and cached;
#  - the server's peak RSS;
#  - peer: `go tool pprof -http` over the same 1,000 files, from its start until /ui/flamegraph answers
#    (Sparta's workflow: time to a flame graph).
# Targets (issue 11): ready <= 3 s, invocations <= 200 ms, flame graph <= 1 s cold / 200 ms cached, RSS <= 256 MB.
# Usage: bench/serve_peers.sh [BUILD_DIR]   (N=20000 to change the size)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
export LS_BINARY=$build/src/lambdascope LS_SOURCE_DIR=$root
[ -x "$LS_BINARY" ] || LS_BINARY=$build/lambdascope
shared=${LS_SHARED_DATA:-$root/../shared/data}
n=${N:-100000}
tmp=$(mktemp -d)
PEER_PID=
# shellcheck source=../tests/e2e/lib/serve.sh
. "$root/tests/e2e/lib/serve.sh"
trap 'stop_serve; [ -z "$PEER_PID" ] || kill "$PEER_PID" 2>/dev/null; rm -rf "$tmp"' EXIT
export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOFLAGS= GOTOOLCHAIN=local
mkdir -p "$HOME" "$PPROF_TMPDIR"

base=$(python3 - "$tmp/store" "$shared/pprof/go-cpu.pb.gz" "$n" <<'PY'
import os, shutil, sys, time
root, src, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
body = open(src, "rb").read()
base = int(time.time() * 1000) - 60000
made = set()
for i in range(n):
    start = base - i * 1000
    t = time.gmtime(start / 1000)
    d = f"{root}/bench/{t.tm_year:04d}/{t.tm_mon:02d}/{t.tm_mday:02d}/{t.tm_hour:02d}"
    if d not in made:
        os.makedirs(d, exist_ok=True)
        made.add(d)
    with open(f"{d}/{start}_{1 + (i * 7919) % 3000}_invoke_r{i:06d}.pb.gz", "wb") as f:
        f.write(body)
print(base)
PY
)
ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }
# median MS of 5 runs of curl URL
timed_get() {
  for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' "$1"; done | sort -n | sed -n 3p |
    python3 -c 'import sys; print(f"{float(sys.stdin.read()) * 1000:.0f}")'
}
echo "== serve: a directory store of $n profiles ($(du -sm "$tmp/store" | cut -f1) MB) =="
t0=$(ms)
start_serve "$tmp/serve.log" "$tmp/store"
until curl -sf -o /dev/null "${SERVE_URL}api/functions"; do sleep 0.05; done
t1=$(ms)
echo "ready (listing done, /api/functions answers): $((t1 - t0)) ms"
echo "/api/invocations?function=bench&limit=1000: $(timed_get "${SERVE_URL}api/invocations?function=bench&limit=1000") ms (median of 5)"
sel="function=bench&since=$((base - 999 * 1000))&until=$((base + 1))"
total=$(curl -s "${SERVE_URL}api/invocations?$sel&limit=0" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
cold=$(curl -s -o /dev/null -w '%{time_total}' "${SERVE_URL}api/profile?$sel&format=page")
echo "merged flame graph of $total invocations: cold $(python3 -c "print(f'{$cold * 1000:.0f}')") ms, cached $(timed_get "${SERVE_URL}api/profile?$sel&format=page") ms"
echo "server peak RSS: $(($(awk '/VmHWM/ {print $2}' "/proc/$SERVE_PID/status") / 1024)) MB (parsed-profile cache: $(curl -s "${SERVE_URL}metrics" | awk '/^lambdascope_serve_cache_bytes / {printf "%d", $2 / 1048576}') MB of --cache-mb 256)"
stop_serve

if command -v go >/dev/null; then
  find "$tmp/store" -name '*.pb.gz' >"$tmp/all"
  sort -r "$tmp/all" >"$tmp/sorted"
  head -1000 "$tmp/sorted" >"$tmp/files"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  t0=$(ms)
  # shellcheck disable=SC2046
  go tool pprof -no_browser -http="127.0.0.1:$port" $(cat "$tmp/files") >"$tmp/peer.log" 2>&1 &
  PEER_PID=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/ui/flamegraph"; do
    kill -0 "$PEER_PID" 2>/dev/null || { cat "$tmp/peer.log"; exit 1; }
    sleep 0.05
  done
  t1=$(ms)
  echo "peer: go tool pprof -http over the same 1,000 files, start to flame graph: $((t1 - t0)) ms"
fi
