#!/usr/bin/env bash
# `go tool pprof` judges the pprof we write: for each input, `lambdascope convert --to pprof` writes a profile,
# go tool pprof must read it without a single warning (also with its default symbolization), and its totals,
# per sample type, must equal what `lambdascope collapse` says about the same input, and what go tool pprof
# says about the original when it can read that itself. Then merges: many inputs
# converted in one run must total what `go tool pprof -proto` makes of the same inputs, and comments added by
# pprof must survive our reading and writing.
# Environment: LS_BINARY (the lambdascope binary), LS_SHARED_DATA (../shared/data).
set -euo pipefail

bin=${LS_BINARY:?LS_BINARY must name the lambdascope binary}
data=${LS_SHARED_DATA:?LS_SHARED_DATA must name the shared data folder}
command -v go >/dev/null || { echo "FAIL: go is not installed; this test needs go tool pprof"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOFLAGS= GOTOOLCHAIN=local
mkdir -p "$HOME" "$PPROF_TMPDIR"

failures=0
checks=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# Sums of each value column over the samples `go tool pprof -raw` prints; one "type=total" line per type.
# Samples without a stack are left out: folded output has no line for them (gobench.heap has one).
pprof_totals() {
  go tool pprof -raw -symbolize=none "$@" 2>"$tmp/pprof.err" | awk '
    /^Samples:/ { getline; n = split($0, types, " "); in_samples = 1; next }
    /^Locations/ { in_samples = 0 }
    in_samples && /:/ && !/:\[/ {
      split($0, parts, ":"); k = split(parts[1], v, " ")
      if (parts[2] !~ /[0-9]/) next
      for (i = 1; i <= k; i++) sum[i] += v[i]
    }
    END { for (i = 1; i <= n; i++) { split(types[i], t, "/"); printf "%s=%.0f\n", t[1], sum[i] } }'
  if [ -s "$tmp/pprof.err" ]; then
    fail "go tool pprof printed on stderr for $*:"
    sed 's/^/    /' "$tmp/pprof.err"
  fi
}

# Total weight of `lambdascope collapse --weight TYPE`, and whether any line has a fractional weight.
collapse_total() {
  "$bin" collapse --weight "$2" "$1" | awk '
    { v = $NF; s += v; if (v != int(v)) frac = 1; lines++ }
    END { printf "%.6f %d %d\n", s, frac, lines }'
}

judge() {
  local input=$1 name
  name=${input#"$data"/}
  if ! "$bin" convert --to pprof "$input" -o "$tmp/out.pb.gz" 2>"$tmp/convert.err"; then
    if grep -q "not supported yet" "$tmp/convert.err"; then
      echo "NOTE: $name not checked: $(cat "$tmp/convert.err")"
      return
    fi
    fail "convert $name: $(cat "$tmp/convert.err")"
    return
  fi
  local totals
  totals=$(pprof_totals "$tmp/out.pb.gz")
  # Inputs go tool pprof reads itself (pprof and gperftools files) must total the same there.
  case $name in
    pprof/* | gperftools/*)
      local direct
      direct=$(pprof_totals "$input")
      checks=$((checks + 1))
      if [ "$direct" = "$totals" ]; then
        echo "ok   $name: go tool pprof totals of the original = of our output ($(echo $totals))"
      else
        fail "$name: go tool pprof totals of the original ($(echo $direct)) != of our output ($(echo $totals))"
      fi
      ;;
  esac
  # Default symbolization must not try (and fail) to symbolize what we wrote.
  go tool pprof -top "$tmp/out.pb.gz" >/dev/null 2>"$tmp/top.err" || fail "go tool pprof -top failed on $name"
  [ -s "$tmp/top.err" ] && fail "go tool pprof -top warned on $name: $(head -3 "$tmp/top.err")"
  local line type total expected frac lines
  for line in $totals; do
    type=${line%%=*}
    total=${line#*=}
    read -r expected frac lines < <(collapse_total "$input" "$type")
    checks=$((checks + 1))
    if [ "$frac" = 1 ]; then
      # pprof values are integers: each sample's fractional weight is rounded, so allow half a unit per line.
      if awk -v a="$total" -v b="$expected" -v n="$lines" 'BEGIN { d = a - b; exit !(d <= n / 2 && -d <= n / 2) }'
      then
        echo "ok   $name $type: go tool pprof $total, collapse $expected (fractional weights, rounded)"
      else
        fail "$name $type: go tool pprof $total, collapse $expected (beyond rounding of $lines lines)"
      fi
    elif [ "$(printf '%.0f' "$expected")" = "$total" ]; then
      echo "ok   $name $type: go tool pprof $total = collapse $(printf '%.0f' "$expected")"
    else
      fail "$name $type: go tool pprof total $total, collapse total $expected"
    fi
  done
}

echo "== single inputs"
for f in pprof/go-cpu.pb.gz pprof/pprof-testdata/large.cpu pprof/speedscope-samples/simple.prof \
  pprof/pprof-testdata/cppbench.cpu pprof/pprof-testdata/go.crc32.cpu pprof/pprof-testdata/gobench.cpu \
  pprof/pprof-testdata/java.cpu pprof/pprof-testdata/gobench.heap gperftools/gperftools-cpu.prof \
  folded/speedscope-samples/simple.txt folded/speedscope-samples/alternating.txt \
  folded/speedscope-samples/perf-vertx-stacks-01-collapsed-all.txt \
  folded/inferno-flamegraph-tests/colors/async-profiler-collapsed-part.txt \
  folded/inferno-flamegraph-tests/austin/flames.txt \
  folded/inferno-flamegraph-tests/fractional-samples/fractional.txt \
  perf-script/perf-small.txt; do
  judge "$data/$f"
done

echo "== merging: lambdascope convert A B C vs go tool pprof -proto A B C"
# go tool pprof (go 1.19) keeps only the last of several legacy (gperftools) inputs, so it gets those as
# single-file conversions of ours; we read the originals.
legacy=(pprof/pprof-testdata/cppbench.cpu pprof/pprof-testdata/go.crc32.cpu pprof/pprof-testdata/gobench.cpu
  gperftools/gperftools-cpu.prof)
protos=("$data/pprof/go-cpu.pb.gz" "$data/pprof/go-cpu.pb.gz" "$data/pprof/pprof-testdata/large.cpu"
  "$data/pprof/speedscope-samples/simple.prof")
ours_in=("${protos[@]}")
theirs_in=("${protos[@]}")
for f in "${legacy[@]}"; do
  ours_in+=("$data/$f")
  "$bin" convert --to pprof "$data/$f" -o "$tmp/${f//\//_}.pb.gz"
  theirs_in+=("$tmp/${f//\//_}.pb.gz")
done
"$bin" convert --to pprof "${ours_in[@]}" -o "$tmp/ours.pb.gz" || fail "merging convert failed"
go tool pprof -proto -symbolize=none "${theirs_in[@]}" >"$tmp/theirs.pb.gz" 2>"$tmp/proto.err" ||
  fail "go tool pprof -proto failed: $(cat "$tmp/proto.err")"
ours=$(pprof_totals "$tmp/ours.pb.gz" | tr '\n' ' ')
theirs=$(pprof_totals "$tmp/theirs.pb.gz" | tr '\n' ' ')
checks=$((checks + 1))
if [ "$ours" = "$theirs" ]; then echo "ok   merged totals: $ours"; else fail "merged totals: ours $ours, go tool pprof $theirs"; fi

echo "== comments: added by pprof, carried by us, shown by pprof -comments"
go tool pprof -proto -symbolize=none -add_comment "cmdline: ./busy --threads 4" \
  "$data/pprof/go-cpu.pb.gz" >"$tmp/commented.pb.gz" 2>/dev/null
"$bin" convert --to pprof "$tmp/commented.pb.gz" -o "$tmp/recommented.pb.gz"
comments=$(go tool pprof -comments "$tmp/recommented.pb.gz" 2>&1)
checks=$((checks + 1))
if [ "$comments" = "cmdline: ./busy --threads 4" ]; then
  echo "ok   comments: $comments"
else
  fail "comments after a round trip: '$comments'"
fi

echo "== $checks checks, $failures failures"
[ "$failures" -eq 0 ]
