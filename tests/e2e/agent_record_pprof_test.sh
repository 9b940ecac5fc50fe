#!/usr/bin/env bash
# `record` writes pprof that `go tool pprof` reads without a warning: per-sample end_timestamp_ns, thread id and
# thread name labels, CPU nanoseconds as the default sample type; --merge puts several processes in one
# profile with a pid label each.
set -euo pipefail
bin=${LS_BINARY:?run through ctest}
command -v go >/dev/null || { echo "FAIL: go is not installed; this test needs go tool pprof"; exit 1; }
work=$(dirname "$(dirname "$bin")")/tests/agent/workloads
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOFLAGS= GOTOOLCHAIN=local
mkdir -p "$HOME" "$PPROF_TMPDIR"

"$bin" record -q --hz 199 -o "$tmp/cpu.pb.gz" -- "$work/busy_idle" 1 > "$tmp/out"
[ "$(cat "$tmp/out")" = "busy=1 idle=1" ] || { echo "FAIL: program output changed"; exit 1; }
go tool pprof -raw -symbolize=none "$tmp/cpu.pb.gz" > "$tmp/raw" 2> "$tmp/err"
[ ! -s "$tmp/err" ] || { echo "FAIL: go tool pprof warned:"; cat "$tmp/err"; exit 1; }
grep -q "^PeriodType: cpu nanoseconds" "$tmp/raw" || { echo "FAIL: period type"; exit 1; }
grep -q "samples/count cpu/nanoseconds\[dflt\]" "$tmp/raw" || { echo "FAIL: sample types"; exit 1; }
grep -q "thread name:\[busy\]" "$tmp/raw" || { echo "FAIL: no thread name label"; exit 1; }
grep -q "end_timestamp_ns:\[1[0-9]\{18\} nanoseconds\]" "$tmp/raw" || { echo "FAIL: no end_timestamp_ns"; exit 1; }
grep -q "thread id:\[[0-9]*\]" "$tmp/raw" || { echo "FAIL: no thread id"; exit 1; }
go tool pprof -top -symbolize=none "$tmp/cpu.pb.gz" 2>/dev/null | grep -q "busy_step" || { echo "FAIL: busy_step not in top"; exit 1; }

"$bin" record -q --merge --hz 299 -o "$tmp/all.pb.gz" -- "$work/fork_exec" > /dev/null
pids=$(go tool pprof -raw -symbolize=none "$tmp/all.pb.gz" 2>/dev/null | grep -o "pid:\[[0-9]*\]" | sort -u | wc -l)
[ "$pids" -eq 2 ] || { echo "FAIL: expected 2 processes in the merged profile, got $pids"; exit 1; }
echo ok
