#!/usr/bin/env bash
# Every writer emits valid UTF-8, the same way: a frame name with bytes that are not UTF-8 (perf output can
# carry Latin-1 symbol names) becomes U+FFFD per bad byte in pprof (whose proto3 strings must be UTF-8:
# libprotobuf used to complain on stderr and strict decoders rejected the file), folded and speedscope.
# The pprof file is decoded by protoc, a strict proto3 decoder. Env: LS_BINARY, LS_SOURCE_DIR.
set -uo pipefail
bin=${LS_BINARY:?set LS_BINARY to the lambdascope binary}
src=${LS_SOURCE_DIR:?set LS_SOURCE_DIR to the source tree}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
  failures=$((failures + 1))
  echo "FAIL: $*"
}
fffd=$'\xef\xbf\xbd'

printf 'main;bad\xff\xfe;leaf 5\n' >"$tmp/in.folded"
"$bin" convert --to pprof "$tmp/in.folded" -o "$tmp/x.pb.gz" 2>"$tmp/err" || fail "convert --to pprof exited $?"
if [ -s "$tmp/err" ]; then fail "convert --to pprof wrote to stderr: $(head -3 "$tmp/err")"; fi
printf 'main;bad\xff\xfe;leaf 5\n' | "$bin" convert --to pprof - -o "$tmp/stdin.pb.gz" 2>"$tmp/err2" ||
  fail "convert --to pprof from stdin exited $?"
if grep -q libprotobuf "$tmp/err2"; then fail "libprotobuf complained: $(head -1 "$tmp/err2")"; fi

gzip -dc "$tmp/x.pb.gz" >"$tmp/x.pb"
if ! protoc --proto_path="$src/proto" --decode=perftools.profiles.Profile profile.proto <"$tmp/x.pb" \
  >"$tmp/decoded" 2>"$tmp/protoc.err"; then
  fail "protoc cannot decode the profile: $(head -3 "$tmp/protoc.err")"
fi
if [ -s "$tmp/protoc.err" ]; then fail "protoc complained: $(head -3 "$tmp/protoc.err")"; fi
grep -q 'string_table: "bad\\357\\277\\275\\357\\277\\275"' "$tmp/decoded" ||
  fail "the pprof string table lacks bad<U+FFFD><U+FFFD>: $(grep string_table "$tmp/decoded" | tr '\n' ' ')"

# The same replacement in every text writer (and read back from the pprof file).
expected="main;bad${fffd}${fffd};leaf 5"
got=$("$bin" collapse "$tmp/in.folded" 2>&1)
[ "$got" = "$expected" ] || fail "folded from folded: got '$got'"
got=$("$bin" collapse "$tmp/x.pb.gz" 2>&1)
[ "$got" = "$expected" ] || fail "folded from the pprof file: got '$got'"
"$bin" convert --to speedscope "$tmp/in.folded" -o "$tmp/x.speedscope.json" 2>"$tmp/err3" ||
  fail "convert --to speedscope exited $?"
grep -q "\"name\":\"bad${fffd}${fffd}\"" "$tmp/x.speedscope.json" ||
  fail "speedscope frame name: $(head -c 300 "$tmp/x.speedscope.json")"
iconv -f UTF-8 -t UTF-8 "$tmp/x.speedscope.json" >/dev/null 2>&1 || fail "speedscope output is not UTF-8"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "ok: invalid UTF-8 in frame names is written as U+FFFD by the pprof, folded and speedscope writers"
