#!/usr/bin/env bash
# The `local` command's contract: help with examples, exit 2 and a one-line message on bad input.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fn="$LS_SOURCE_DIR/tests/lambda/fixtures/node-function"
echo '{}' >"$tmp/events.jsonl"
# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"

"$LS_BINARY" local --help >"$tmp/help" || fail "help exits 0"
grep -q "Examples:" "$tmp/help" || fail "help has examples"
grep -q -- "--no-telemetry" "$tmp/help" || fail "help lists --no-telemetry"

expect_usage_error() {
  local what=$1 pattern=$2
  shift 2
  set +e
  "$LS_BINARY" local "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  set -e
  [ "$rc" = 2 ] || fail "$what: exit $rc, expected 2 ($(cat "$tmp/err"))"
  [ ! -s "$tmp/out" ] || fail "$what: nothing on stdout"
  grep -q -- "$pattern" "$tmp/err" || fail "$what: message '$pattern' not in: $(cat "$tmp/err")"
}
expect_usage_error "no --function" "function" --events "$tmp/events.jsonl"
expect_usage_error "missing folder" "does not exist" --function "$tmp/nope" --events "$tmp/events.jsonl"
expect_usage_error "reserved variable" "AWS_REGION is reserved" --function "$fn" --events "$tmp/events.jsonl" \
  --env AWS_REGION=eu-west-1
expect_usage_error "bad --env" "KEY=VALUE" --function "$fn" --events "$tmp/events.jsonl" --env NOEQUALS
printf '{}\n{not json\n' >"$tmp/bad.jsonl"
expect_usage_error "bad event line" "bad.jsonl:2" --function "$fn" --events "$tmp/bad.jsonl"
python3 -c 'print("\"" + "x" * (6 * 1024 * 1024) + "\"")' >"$tmp/huge.jsonl"
expect_usage_error "event over 6 MB" "huge.jsonl:1: an event of" --function "$fn" --events "$tmp/huge.jsonl"
expect_usage_error "memory out of range" "memory" --function "$fn" --events "$tmp/events.jsonl" --memory 64
expect_usage_error "negative interval" "interval" --function "$fn" --events "$tmp/events.jsonl" --interval -5
expect_usage_error "no runtime client" "aws-lambda-ric" --function "$fn" --events "$tmp/events.jsonl" \
  --ric "$tmp/missing/index.mjs"

# A working run prints one response per line on stdout and the log stream on stderr.
"$LS_BINARY" local --function "$fn" --events "$tmp/events.jsonl" --invocations 2 >"$tmp/out" 2>"$tmp/err" ||
  fail "a plain run"
[ "$(wc -l <"$tmp/out")" = 2 ] || fail "two responses"
grep -q '^START RequestId: ' "$tmp/err" || fail "START line"
grep -q '^END RequestId: ' "$tmp/err" || fail "END line"

# --interval: the next invocation comes that long after the previous one's answer. Read on the emulator's
# clock, not on when this script gets each line (a reader starved on a busy machine reads one line late and
# the next on time): each invocation's deadline is its start plus the timeout, as the function sees it.
# Deadlines are whole milliseconds, hence 399.
python3 - "$LS_BINARY" "$fn" "$tmp/events.jsonl" <<'PY' || fail "--interval"
import json, subprocess, sys
out = subprocess.run([sys.argv[1], "local", "--function", sys.argv[2], "--events", sys.argv[3],
                      "--invocations", "3", "--interval", "400"], stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True)
deadlines = [json.loads(line)["deadlineMs"] for line in out.stdout.splitlines()]
gaps = [b - a for a, b in zip(deadlines, deadlines[1:])]
sys.exit(out.returncode != 0 or len(deadlines) != 3 or min(gaps) < 399)
PY
echo "ok: local command contract"
