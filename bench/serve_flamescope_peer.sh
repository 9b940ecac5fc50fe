#!/usr/bin/env bash
# `lambdascope serve` in FlameScope mode beside FlameScope itself (Netflix/flamescope, a peer like `go tool pprof`),
# both serving a folder that holds the ~100 MB perf script file of ../shared/data (decompressed first, as
# FlameScope's examples/ holds it), in the same run. Per server (printed as a markdown table with ratios):
#  - cold: from the process start until the heat map JSON of that file has been received;
#  - the heat map request alone in that cold run, and a second (cached) request of it;
#  - the server's peak RSS (VmHWM).
# FlameScope is not part of this repository: FLAMESCOPE_DIR must name a checkout of it (its run.py and app/), run
# with Debian's python3-flask, python3-cachetools, python3-magic (FLAMESCOPE_PYTHON, default /usr/bin/python3).
# Its module-level `import nflxprofile` (a PyPI package, not in Debian; only its nflxprofile/cpuprofile readers
# use it) is satisfied by an empty stand-in module; the perf path never touches it.
# Usage: FLAMESCOPE_DIR=/path/to/flamescope bench/serve_flamescope_peer.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
LS_BINARY=$build/src/lambdascope
[ -x "$LS_BINARY" ] || LS_BINARY=$build/lambdascope
shared=${LS_SHARED_DATA:-$root/../shared/data}
py=${FLAMESCOPE_PYTHON:-/usr/bin/python3}
if [ -z "${FLAMESCOPE_DIR:-}" ] || [ ! -f "$FLAMESCOPE_DIR/app/controllers/heatmap.py" ]; then
  cat >&2 <<'EOF'
serve_flamescope_peer.sh: set FLAMESCOPE_DIR to a checkout of FlameScope (https://github.com/Netflix/flamescope),
e.g. `git clone https://github.com/Netflix/flamescope /tmp/flamescope && export FLAMESCOPE_DIR=/tmp/flamescope`,
and install its Python packages from Debian: `apt-get install python3-flask python3-cachetools python3-magic`.
EOF
  exit 1
fi
name=perf-large.txt
tmp=$(mktemp -d)
SERVER_PID=''
stop() { [ -z "$1" ] || { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null || true; }; }
trap 'stop "$SERVER_PID"; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/fs/examples" "$tmp/shim/nflxprofile"
gzip -dc "$shared/perf-script/$name.gz" >"$tmp/fs/examples/$name"
touch "$tmp/shim/nflxprofile/__init__.py" "$tmp/shim/nflxprofile/nflxprofile_pb2.py"
# The names app/nflxprofile/flame_graph.py imports; never called for a perf file.
printf '%s = None\n' get_flame_graph NodeJsStackProcessor StackProcessor NodeJsPackageStackProcessor \
  >"$tmp/shim/nflxprofile/flamegraph.py"

ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# get URL OUT: fetches URL into OUT (fails on an HTTP error), prints its time in ms
get() { curl -sf -o "$2" -w '%{time_total}\n' "$1" | python3 -c 'import sys; print(f"{float(sys.stdin.read()) * 1000:.0f}")'; }
rss() { echo $(($(awk '/VmHWM/ {print $2}' "/proc/$1/status") / 1024)); }
# check_json FILE KEY: the answer is JSON with KEY at the top level
check_json() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if sys.argv[2] in d else 1)' "$1" "$2" ||
    { echo "not a heat map answer: $(head -c 300 "$1")" >&2; exit 1; }
}

# measure TAG PORT READY_PATH HEATMAP_PATH KEY CMD...: starts CMD (a server on PORT), waits for READY_PATH, gets
# HEATMAP_PATH twice (its answer must have KEY), stops it; sets cold/req/cached/rss/size.
measure() {
  local tag=$1 port=$2 ready=$3 heatmap=$4 key=$5 t0 t1 pid
  shift 5
  t0=$(ms)
  "$@" >"$tmp/$tag.log" 2>&1 &
  pid=$!
  SERVER_PID=$pid
  until curl -sf -o /dev/null "http://127.0.0.1:$port$ready"; do
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/$tag.log" >&2; exit 1; }
    sleep 0.02
  done
  req=$(get "http://127.0.0.1:$port$heatmap" "$tmp/$tag.json")
  t1=$(ms)
  check_json "$tmp/$tag.json" "$key"
  cold=$((t1 - t0))
  cached=$(get "http://127.0.0.1:$port$heatmap" /dev/null)
  rss=$(rss "$pid")
  size=$(($(stat -c %s "$tmp/$tag.json") / 1024))
  stop "$pid"
  SERVER_PID=''
}

# lambdascope: the folder is served as profile files (FlameScope's examples/ mode). Started here rather than by
# tests/e2e/lib/serve.sh, whose 0.2 s polling of the log would count in the cold time.
p=$(port)
measure ls "$p" /api/files "/api/profile?file=$name&format=page&view=heatmap" page \
  "$LS_BINARY" serve --port "$p" "$tmp/fs/examples"
ls_cold=$cold ls_req=$req ls_cached=$cached ls_rss=$rss ls_size=$size

# FlameScope: run.py's APP.run, on 127.0.0.1 and without the debug reloader (a second process); PROFILE_DIR is
# "examples" under the working directory.
flamescope() {
  cd "$tmp/fs" && PYTHONPATH="$FLAMESCOPE_DIR:$tmp/shim" exec "$py" -c \
    "from app import APP; APP.run(host='127.0.0.1', port=$1, threaded=True, debug=False, use_reloader=False)"
}
p=$(port)
measure fs "$p" /profile/ "/heatmap/?filename=$name&type=perf" values flamescope "$p"
fs_cold=$cold fs_req=$req fs_cached=$cached fs_rss=$rss fs_size=$size

ratio() { python3 -c "print(f'{$2 / max($1, 1):.1f}x')"; }
echo "## serve, FlameScope mode, beside FlameScope (\`bench/serve_flamescope_peer.sh\`)"
echo
echo "$name ($(stat -c %s "$tmp/fs/examples/$name" | awk '{printf "%.1f", $1 / 1e6}') MB) in a served folder; heat map JSON of the whole file."
echo "FlameScope$(git -C "$FLAMESCOPE_DIR" rev-parse --short HEAD 2>/dev/null | sed 's/^/ /'), Flask" \
  "$("$py" -c 'import flask; print(flask.__version__)') (Debian), $("$py" --version); load: $(uptime | sed 's/.*load/load/')."
echo
echo "| | lambdascope serve | FlameScope | FlameScope / lambdascope |"
echo "|---|---:|---:|---:|"
echo "| cold: process start to heat map JSON received | $ls_cold ms | $fs_cold ms | $(ratio "$ls_cold" "$fs_cold") |"
echo "| heat map request in that cold run | $ls_req ms | $fs_req ms | $(ratio "$ls_req" "$fs_req") |"
echo "| second request (cached) | $ls_cached ms | $fs_cached ms | $(ratio "$ls_cached" "$fs_cached") |"
echo "| server peak RSS | $ls_rss MB | $fs_rss MB | $(ratio "$ls_rss" "$fs_rss") |"
echo "| answer size | $ls_size KB | $fs_size KB | — |"
