#!/usr/bin/env bash
# Bounded memory of `record --listen --listen-only` (the long-running service case): a program with thousands of
# distinct call paths runs for two minutes; the live stack table fills (a small --max-stacks makes that happen
# within seconds even on a loaded machine) and folds the rest into [other], so the server's RSS after 30 s and
# after 120 s differ by less than 10%, while /metrics never shows more than N + 1 function series.
# Both the whole RSS and its anonymous part (what the server allocates) are checked. The whole RSS also counts
# the pages of the agent's ring file mapped by the reader, which it touches as the writer goes round the ring
# for the first time; a 256K ring keeps that part small. Timing-sensitive by nature (label `timing`): the claim
# is about two minutes. (Without --listen-only, record also keeps every raw sample for the profile it writes at
# exit, which grows with time by design.)
# Environment: LS_BINARY, LS_SOURCE_DIR.
set -euo pipefail
bin=${LS_BINARY:?run through ctest}
. "$LS_SOURCE_DIR/tests/e2e/lib/live_server.sh"
live_setup

live_compile many_paths
top=5
if "$bin" record --listen-only -- true 2>"$tmp/err"; then fail "--listen-only without --listen was accepted"; fi
grep -q -- "--listen-only needs --listen" "$tmp/err" || fail "--listen-only without --listen: $(cat "$tmp/err")"
live_start "$tmp/record.err" --listen 0 --listen-only --max-stacks 1024 --ring-size 256K --metrics-top $top -- \
  "$tmp/many_paths" 600 "$tmp/stop"
pids+=("$live_pid")
start=$SECONDS
rss_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$live_pid/status"; }
metric() { awk -v m="$1" 'index($0, m) == 1 { print $2 }' "$tmp/metrics"; }
max_series=0
# Scrapes /metrics until SECONDS reaches $1 (a scrape every half second: also checks the series bound).
scrape_until() {
  while ((SECONDS < $1)); do
    curl -sf "$live_url/metrics" >"$tmp/metrics" || { fail "/metrics failed"; return; }
    n=$(grep -c "^lambdascope_function_self_seconds_total{" "$tmp/metrics" || true)
    ((n > max_series)) && max_series=$n
    sleep 0.5
  done
}
scrape_until $((start + 30))
rss30=$(rss_kb VmRSS)
anon30=$(rss_kb RssAnon)
folded30=$(metric 'lambdascope_samples_dropped_total{reason="stack_table_full"}')
scrape_until $((start + 120))
rss120=$(rss_kb VmRSS)
anon120=$(rss_kb RssAnon)
samples=$(metric 'lambdascope_samples_total{mode="cpu"}')
folded=$(metric 'lambdascope_samples_dropped_total{reason="stack_table_full"}')
echo "RSS after 30 s: $rss30 kB ($anon30 kB anonymous), after 120 s: $rss120 kB ($anon120 kB anonymous);" \
  "$samples samples, $folded folded into [other] ($folded30 at 30 s)"
echo "function series at most: $max_series"

python3 -c "import sys; sys.exit(0 if $folded30 > 0 else 1)" ||
  fail "the stack table was not full after 30 s: nothing to show"
python3 -c "import sys; a, b = $rss30, $rss120; sys.exit(0 if abs(b - a) < 0.10 * a else 1)" ||
  fail "RSS went from $rss30 kB to $rss120 kB (10% allowed)"
python3 -c "import sys; a, b = $anon30, $anon120; sys.exit(0 if abs(b - a) < 0.10 * a else 1)" ||
  fail "anonymous RSS went from $anon30 kB to $anon120 kB (10% allowed)"
((max_series <= top + 1)) || fail "$max_series function series (--metrics-top $top allows $((top + 1)))"
((max_series >= 2)) || fail "no named function series at all"

touch "$tmp/stop"
wait "$live_pid" || fail "record exited with $?"
live_finish
