#!/usr/bin/env bash
# `lambdascope collapse` end to end: the binary against stackcollapse-perf.pl's and inferno's expected outputs
# with every option, stdin and gzip inputs, one thread against several, and bad inputs (exit 2, one line
# naming the file and where, no output file left behind). Env: LS_BINARY, LS_SHARED_DATA.
set -uo pipefail
bin=${LS_BINARY:?set LS_BINARY to the lambdascope binary}
data=${LS_SHARED_DATA:?set LS_SHARED_DATA to the shared data folder}/perf-script
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

pass() { checks=$((checks + 1)); }
fail() {
  checks=$((checks + 1))
  failures=$((failures + 1))
  echo "FAIL: $*"
}
same() {  # same NAME FILE1 FILE2: equal after sorting lines
  if cmp -s <(LC_ALL=C sort "$2") <(LC_ALL=C sort "$3"); then pass; else
    fail "$1"
    diff <(LC_ALL=C sort "$2") <(LC_ALL=C sort "$3") | head -5
  fi
}
# Inputs whose records have no callchain or whose frames are not indented: forced, so this test does not
# depend on how content sniffing treats them.
format_for() { case $1 in *java-stacks-02* | *single-line-stacks*) echo "--format perf-script" ;; esac; }

echo "collapse: stackcollapse-perf.pl's expected outputs, 13 inputs x 7 option sets, --weight period"
for input in "$data"/flamegraph-tests/*.txt; do
  name=$(basename "$input" .txt)
  # The Perl script drops a last record that is not followed by a blank line (we keep it): compare the
  # input up to its last blank line, which both read the same way.
  if [ "$(tail -c 2 "$input" | od -An -c | tr -d ' ')" = '\n\n' ]; then
    cp "$input" "$tmp/in.txt"
  else
    awk -v RS='\n' '{ lines[NR] = $0 } END { last = 0; for (i = 1; i <= NR; i++) if (lines[i] == "") last = i;
                     for (i = 1; i <= last; i++) print lines[i] }' "$input" > "$tmp/in.txt"
  fi
  for opt in "" pid tid kernel jit all addrs; do
    expected="$data/flamegraph-tests/results/$name-collapsed${opt:+-$opt}.txt"
    # shellcheck disable=SC2046
    if ! "$bin" collapse --weight period $(format_for "$name") ${opt:+--$opt} "$tmp/in.txt" > "$tmp/out" 2> "$tmp/err"; then
      fail "$name ${opt:+--$opt}: exit $?: $(cat "$tmp/err")"
      continue
    fi
    same "$name ${opt:+--$opt} equals stackcollapse-perf.pl" "$tmp/out" "$expected"
  done
done

echo "collapse: inferno's expected outputs (--weight period; the Rust-demangled cases are in collapse_golden_test)"
while read -r result input opt; do
  src="$data/$input"
  # shellcheck disable=SC2046
  "$bin" collapse --weight period $(format_for "$input") ${opt:+--$opt} "$src" > "$tmp/out" 2> "$tmp/err" ||
    fail "inferno $result: $(cat "$tmp/err")"
  same "inferno $result" "$tmp/out" "$data/inferno-tests/results/$result"
done <<'EOF'
cpp-stacks-std-function-collapsed.txt inferno-tests/cpp-stacks-std-function.txt
example-perf-stacks-collapsed.txt example-perf-stacks.txt.gz
go-stacks-collapsed.txt inferno-tests/go-stacks.txt
java-inline-collapsed.txt inferno-tests/java-inline.txt
single-line-stacks-collapsed.txt inferno-tests/single-line-stacks.txt
sourcepawn-jitdump-collapsed-jit.txt inferno-tests/sourcepawn-jitdump.txt jit
versioned-vmlinux-collapsed-kernel.txt inferno-tests/versioned-vmlinux.txt kernel
EOF

echo "collapse: odd lines warn on stderr and do not fail"
for f in empty-line weird-stack-line; do
  if "$bin" collapse "$data/inferno-tests/$f.txt" > "$tmp/out" 2> "$tmp/err" && grep -q "warning: .*$f.txt:[0-9]*: skipped" "$tmp/err" &&
     grep -q '^inline-counter;main 1$' "$tmp/out"; then pass; else fail "$f: $(cat "$tmp/err")"; fi
done

echo "collapse: default weight counts samples; --weight period sums periods"
"$bin" collapse "$data/flamegraph-tests/perf-dd-stacks-01.txt" > "$tmp/samples"
"$bin" collapse --weight period "$data/flamegraph-tests/perf-dd-stacks-01.txt" > "$tmp/period"
[ "$(awk '{s += $NF} END {print s}' "$tmp/samples")" = 11 ] && pass || fail "dd: 11 samples"
[ "$(awk '{s += $NF} END {print s}' "$tmp/period")" = 111111110 ] && pass || fail "dd: 11 x 10101010"

echo "collapse: stdin and gzip inputs equal the file"
in="$data/flamegraph-tests/perf-vertx-stacks-01.txt"
"$bin" collapse --tid "$in" > "$tmp/file.out"
"$bin" collapse --tid - < "$in" > "$tmp/stdin.out" && cmp -s "$tmp/file.out" "$tmp/stdin.out" && pass || fail "stdin"
gzip -c "$in" > "$tmp/vertx.gz"
"$bin" collapse --tid "$tmp/vertx.gz" > "$tmp/gz.out" && cmp -s "$tmp/file.out" "$tmp/gz.out" && pass || fail "gzip file"
"$bin" collapse --tid - < "$tmp/vertx.gz" > "$tmp/gzstdin.out" && cmp -s "$tmp/file.out" "$tmp/gzstdin.out" && pass ||
  fail "gzip on stdin"

echo "collapse: --threads 1 equals the default on perf-large (118,791 samples)"
"$bin" collapse --tid "$data/perf-large.txt.gz" > "$tmp/many.out" || fail "perf-large"
"$bin" collapse --tid --threads 1 "$data/perf-large.txt.gz" > "$tmp/one.out" || fail "perf-large --threads 1"
cmp -s "$tmp/many.out" "$tmp/one.out" && pass || fail "--threads 1 differs from the default"
[ "$(awk '{s += $NF} END {print s}' "$tmp/many.out")" = 118791 ] && pass || fail "perf-large sample count"

echo "collapse: bad inputs exit 2 with one line naming the file and where, and leave no output file"
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10' > "$tmp/garbage.bin"
head -c 100000 "$data/example-perf-stacks.txt.gz" > "$tmp/truncated.txt.gz"
sed '$d' "$data/perf-small.txt" | sed '$d' > "$tmp/cut.txt" && printf '\t    7f92bd' >> "$tmp/cut.txt"
cut_line=$(($(wc -l < "$tmp/cut.txt") + 1))
while read -r file where; do
  rm -f "$tmp/out.folded"
  "$bin" collapse --format perf-script -o "$tmp/out.folded" "$tmp/$file" > /dev/null 2> "$tmp/err"
  status=$?
  [ $status -eq 2 ] && pass || fail "$file: exit $status, expected 2"
  [ "$(wc -l < "$tmp/err")" -eq 1 ] && pass || fail "$file: message is not one line: $(cat "$tmp/err")"
  grep -q "^lambdascope: $tmp/$file$where" "$tmp/err" && pass || fail "$file: message does not name '$where': $(cat "$tmp/err")"
  [ ! -e "$tmp/out.folded" ] && pass || fail "$file: output file left behind"
  [ -z "$(ls "$tmp" | grep 'out.folded')" ] && pass || fail "$file: temporary file left behind"
  echo "  $(cat "$tmp/err")"
done <<EOF
garbage.bin :2: binary data
truncated.txt.gz : byte [0-9]*: truncated gzip
cut.txt :$cut_line: the input ends inside a record
EOF

echo "collapse: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
