#!/usr/bin/env bash
# `make bench`: runs every bench/*_peers.sh (and *_peer.sh: one outside peer, e.g. FlameScope from FLAMESCOPE_DIR)
# beside its competitors on this machine and writes the tables into docs/benchmarks.md (with the machine they ran
# on). Each script prints a markdown section on stdout.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
  echo "# Benchmarks"
  echo
  echo "Written by \`make bench\` ($(date -u +%Y-%m-%d)). Machine: $(nproc) cores,"\
       "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'),"\
       "$(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr)."
  echo "Every ratio compares tools run on the same input in the same run; lower time is better."
  echo
} > "$tmp"
status=0
for script in bench/*_peers.sh bench/*_peer.sh; do
  [ -f "$script" ] || continue
  echo "bench: $script" >&2
  if ! bash "$script" "$build" >> "$tmp"; then
    echo "bench: $script failed" >&2
    echo "_$script failed in this run._" >> "$tmp"
    status=1
  fi
  echo >> "$tmp"
done
cp "$tmp" docs/benchmarks.md
cat docs/benchmarks.md
exit $status
