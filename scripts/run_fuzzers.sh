#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR/tests/fuzz for a short while (FUZZ_SECONDS each, default 10), seeded
# from ../shared/data: tests/fuzz/<reader>.seeds lists seed files as globs relative to the shared data folder.
# FUZZ_JOBS targets run at once (default: the number of cores): each is one single-threaded process, so on
# 2 cores two of them take the time one took and each still gets its FUZZ_SECONDS.
# A crash, leak, sanitizer report or timeout fails the run; the reproducer stays in BUILD_DIR/fuzz-artifacts.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-10}
jobs=${FUZZ_JOBS:-$(nproc)}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${LS_SHARED_DATA:-$root/../shared/data}
artifacts=$root/$build/fuzz-artifacts
mkdir -p "$artifacts"

# One target: its libFuzzer log in $artifacts/$reader.log, its verdict (0 or 1) in $artifacts/$reader.status.
run_one() {
  local fuzzer=$1 reader=$2 corpus=$3
  if "$fuzzer" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$artifacts/$reader-" -print_final_stats=0 >"$artifacts/$reader.log" 2>&1; then
    echo 0 >"$artifacts/$reader.status"
  else
    echo 1 >"$artifacts/$reader.status"
  fi
}

readers=()
running=0
for fuzzer in "$root/$build"/tests/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  reader=${fuzzer##*/fuzz_}
  corpus=$root/$build/fuzz-corpus/$reader
  mkdir -p "$corpus"
  if [ -f "$root/tests/fuzz/$reader.seeds" ]; then
    while IFS= read -r pattern; do
      [ -z "$pattern" ] || [ "${pattern:0:1}" = "#" ] && continue
      for f in $shared/$pattern; do
        # Large seeds slow libFuzzer down without adding coverage: cut them.
        [ -f "$f" ] && head -c 65536 "$f" > "$corpus/seed-$(basename "$f")"
      done
    done < "$root/tests/fuzz/$reader.seeds"
  fi
  rm -f "$artifacts/$reader.status"
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
  echo "fuzz: $reader for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
  run_one "$fuzzer" "$reader" "$corpus" &
  running=$((running + 1))
  readers+=("$reader")
done
wait

status=0
for reader in "${readers[@]}"; do
  if [ "$(cat "$artifacts/$reader.status" 2>/dev/null)" != 0 ]; then
    echo "fuzz: $reader FAILED; last lines of $artifacts/$reader.log:"
    tail -40 "$artifacts/$reader.log"
    status=1
  else
    echo "fuzz: $reader: $(grep -E "^#[0-9]+.*DONE" "$artifacts/$reader.log" | tail -1 || true)"
  fi
done
echo "fuzz: ${#readers[@]} targets run, $jobs at a time"
((${#readers[@]} > 0)) || { echo "fuzz: no fuzz targets were built"; exit 1; }
exit $status
