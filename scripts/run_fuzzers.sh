#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR/tests/fuzz for a short while (FUZZ_SECONDS each), seeded
# from ../shared/data (FUZZ_SECONDS default 10): tests/fuzz/<reader>.seeds lists seed files as globs relative to the shared data folder.
# A crash, leak, sanitizer report or timeout fails the run; the reproducer stays in BUILD_DIR/fuzz-artifacts.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${FUZZ_SECONDS:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${LS_SHARED_DATA:-$root/../shared/data}
artifacts=$root/$build/fuzz-artifacts
mkdir -p "$artifacts"
status=0
ran=0
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
  echo "fuzz: $reader for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
  if ! "$fuzzer" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$artifacts/$reader-" -print_final_stats=0 >"$artifacts/$reader.log" 2>&1; then
    echo "fuzz: $reader FAILED; last lines of $artifacts/$reader.log:"
    tail -40 "$artifacts/$reader.log"
    status=1
  else
    grep -E "^#[0-9]+.*DONE" "$artifacts/$reader.log" | tail -1 || true
  fi
  ran=$((ran + 1))
done
echo "fuzz: $ran targets run"
[ "$ran" -gt 0 ] || { echo "fuzz: no fuzz targets were built"; exit 1; }
exit $status
