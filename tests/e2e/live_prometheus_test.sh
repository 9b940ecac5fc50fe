#!/usr/bin/env bash
# `record --listen` against real readers: a real Prometheus (two scrape jobs at 1 s, plus a curl loop as a third
# scraper) on a CPU-bound program whose hot function holds 75% of its CPU; promtool on /metrics; go tool pprof
# on /debug/pprof/profile; the nested-set rows of /flamegraph.json; bad requests answered 400 while the program
# runs on undisturbed. Environment: LS_BINARY, LS_SOURCE_DIR.
set -euo pipefail
bin=${LS_BINARY:?run through ctest}
for tool in prometheus promtool go cc curl python3; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh installs it)"; exit 1; }
done
. "$LS_SOURCE_DIR/tests/e2e/lib/live_server.sh"
live_setup

live_compile hot_cold
# One named function (--metrics-top 1): the series must be exactly hot and other, cold goes to other.
live_start "$tmp/record.err" --listen 0 --metrics-top 1 -o "$tmp/out.pb.gz" -- "$tmp/hot_cold" 600 "$tmp/stop"
pids+=("$live_pid")
prog_pid=""
deadline=$((SECONDS + 30))
until prog_pid=$(pgrep -P "$live_pid" hot_cold); do
  ((SECONDS < deadline)) || { echo "FAIL: hot_cold did not start"; exit 1; }
  sleep 0.1
done

# promtool lints text 0.0.4. Its 2.42 parser knows only that format: on OpenMetrics (families named without
# _total) it can only say "no help text"; anything else, a parse error above all, fails. Prometheus itself
# negotiates OpenMetrics when it scrapes below, so up == 1 is the OpenMetrics parser's verdict.
curl -sf "$live_url/metrics" >"$tmp/metrics.txt"
promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.txt" 2>&1 || fail "promtool on text 0.0.4: $(cat "$tmp/promtool.txt")"
curl -sf -D "$tmp/om.headers" -H "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1" \
  "$live_url/metrics" >"$tmp/metrics.om"
grep -qi "^content-type: application/openmetrics-text; version=1.0.0" "$tmp/om.headers" || fail "OpenMetrics not served for Prometheus' Accept header"
[ "$(tail -n 1 "$tmp/metrics.om")" = "# EOF" ] || fail "OpenMetrics exposition does not end with # EOF"
rc=0
promtool check metrics <"$tmp/metrics.om" >"$tmp/promtool.om" 2>&1 || rc=$?
if ((rc != 0 && rc != 3)) || grep -v "no help text" "$tmp/promtool.om" | grep -q .; then
  fail "promtool on OpenMetrics (rc $rc): $(cat "$tmp/promtool.om")"
fi

# Prometheus with two jobs scraping the same target every second, and a third scraper.
prom_port=$(free_port)
prom="http://127.0.0.1:$prom_port"
cat >"$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: first
    static_configs: [{targets: ["127.0.0.1:$live_port"]}]
  - job_name: second
    static_configs: [{targets: ["127.0.0.1:$live_port"]}]
YML
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$tmp/prometheus.log" 2>&1 &
pids+=($!)
(while true; do curl -s "$live_url/metrics" >/dev/null; sleep 0.3; done) &
pids+=($!)

# query EXPR [TIME]: the first value of an instant query, or "none".
query() {
  curl -s --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} "$prom/api/v1/query" | python3 -c '
import json, sys
try:
    res = json.load(sys.stdin)["data"]["result"]
except Exception:  # not up yet, or a query error
    res = []
print(res[0]["value"][1] if res else "none")'
}
scrapes() {  # scrapes of the first job in the last minute that had hot's own series (named 5 s after start)
  local n
  n=$(query 'count_over_time(lambdascope_function_self_seconds_total{job="first",function="hot"}[1m])')
  echo "${n/none/0}"
}
proc_cpu() {  # seconds of CPU hot_cold used so far (utime + stime)
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$prog_pid/stat"
}
deadline=$((SECONDS + 90))
until [ "$(scrapes)" -ge 3 ]; do
  ((SECONDS < deadline)) || { echo "FAIL: Prometheus did not scrape"; cat "$tmp/prometheus.log"; exit 1; }
  sleep 0.5
done
t1=$(date +%s.%N)
cpu1=$(proc_cpu)
deadline=$((SECONDS + 90))
until [ "$(scrapes)" -ge 23 ]; do
  ((SECONDS < deadline)) || { echo "FAIL: Prometheus stopped scraping"; exit 1; }
  sleep 0.5
done
t2=$(date +%s.%N)
cpu2=$(proc_cpu)

[ "$(query 'min(up{job=~"first|second"})')" = 1 ] || fail "up is not 1 for both jobs"
curl -s "$prom/api/v1/targets" | python3 -c '
import json, sys
for t in json.load(sys.stdin)["data"]["activeTargets"]:
    if t["lastError"]: print(t["labels"]["job"], t["lastError"])' >"$tmp/target_errors"
[ ! -s "$tmp/target_errors" ] || fail "scrape errors: $(cat "$tmp/target_errors")"

# The hot function's share of the sampled CPU, and the sampled CPU against what the kernel counted.
span=$(python3 -c "print(int($t2 - $t1))")
check_near() {  # NAME VALUE EXPECTED: within 15%
  python3 -c "import sys; v, e = float('$2'), float('$3'); sys.exit(0 if abs(v - e) <= 0.15 * e else 1)" ||
    fail "$1 is $2, expected $3 within 15%"
}
for job in first second; do
  hot=$(query "increase(lambdascope_function_self_seconds_total{job=\"$job\",function=\"hot\"}[${span}s])" "$t2")
  all=$(query "sum(increase(lambdascope_function_self_seconds_total{job=\"$job\"}[${span}s]))" "$t2")
  [ "$hot" != none ] && [ "$all" != none ] || { fail "$job: no hot function series"; continue; }
  share=$(python3 -c "print(round($hot / $all, 3))")
  echo "$job: hot's share of the self time over ${span}s: $share (expected 0.75)"
  check_near "$job: hot's share of the self time" "$share" 0.75
done
sampled=$(python3 -c "print(float('$(query 'sum(lambdascope_cpu_seconds_total{job="first"})' "$t2")') - float('$(query 'sum(lambdascope_cpu_seconds_total{job="first"})' "$t1")'))")
echo "sampled CPU seconds: $sampled; the kernel counted $(python3 -c "print(round($cpu2 - $cpu1, 3))")"
check_near "sampled CPU seconds between the two instants" "$sampled" "$(python3 -c "print($cpu2 - $cpu1)")"
first=$(query 'increase(lambdascope_function_self_seconds_total{job="first",function="hot"}[20s])' "$t2")
second=$(query 'increase(lambdascope_function_self_seconds_total{job="second",function="hot"}[20s])' "$t2")
check_near "what the second scraper sees of hot" "$second" "$first"

series=$(query 'count(count by (function) (count_over_time(lambdascope_function_self_seconds_total[10m])))')
[ "$series" = 2 ] || fail "function series over the whole run: $series, expected 2 (hot and other with --metrics-top 1)"
[ "$(query 'count(lambdascope_function_self_seconds_total{job="first",function="cold"})')" = none ] ||
  fail "cold has a series with --metrics-top 1"
for name in samples samples_dropped cpu_seconds function_self_seconds function_total_seconds; do
  resets=$(query "sum(resets(lambdascope_${name}_total[10m]))")
  [ "$resets" = 0 ] || fail "lambdascope_${name}_total decreased ($resets resets)"
done

# go tool pprof reads the pprof endpoint; two concurrent requests share the stream and both see hot on top.
for i in 1 2; do
  go tool pprof -top "$live_url/debug/pprof/profile?seconds=2" >"$tmp/top$i" 2>"$tmp/top$i.err" &
  pids+=($!)
done
for p in "${pids[-1]}" "${pids[-2]}"; do wait "$p" || fail "go tool pprof failed: $(cat "$tmp"/top*.err)"; done
for i in 1 2; do
  first_row=$(awk '/flat%/ { getline; print $NF; exit }' "$tmp/top$i")
  [ "$first_row" = hot ] || fail "pprof -top request $i: top function is '$first_row', not hot: $(cat "$tmp/top$i")"
done

# /flamegraph.json: depth-first rows, each value >= the sum of its children, the root the total.
curl -sf "$live_url/flamegraph.json?seconds=10" >"$tmp/flame.json"
python3 - "$tmp/flame.json" >"$tmp/flame.check" <<'PY' || fail "flamegraph.json: $(cat "$tmp/flame.check")"
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows and rows[0]["level"] == 0 and rows[0]["label"] == "total", "the first row is not the root"
for r in rows:
    assert set(r) == {"level", "value", "self", "label"}, r
for i, r in enumerate(rows):
    if i + 1 < len(rows):
        assert rows[i + 1]["level"] <= r["level"] + 1, f"row {i + 1} skips a level"
    children, j = 0, i + 1
    while j < len(rows) and rows[j]["level"] > r["level"]:
        if rows[j]["level"] == r["level"] + 1:
            children += rows[j]["value"]
        j += 1
    assert r["value"] + 1e-6 >= children + r["self"], f"row {i} ({r['label']}): value < children + self"
total = sum(r["self"] for r in rows)
assert abs(rows[0]["value"] - total) <= 1e-6 * total and total > 0, "root value is not the total"
assert any(r["label"] == "hot" for r in rows), "hot is not in the flame graph"
PY

# Bad requests: 400 with one line; the program runs on.
for path in "/debug/pprof/profile?seconds=-1" "/debug/pprof/profile?seconds=abc" "/debug/pprof/profile?seconds=100000" \
  "/flamegraph.json?seconds=-1" "/flamegraph.json?seconds=abc" "/flamegraph.json?seconds=100000" "/?seconds=abc"; do
  code=$(curl -s -o "$tmp/bad.body" -w "%{http_code}" "$live_url$path")
  [ "$code" = 400 ] || fail "$path answered $code, not 400"
  [ "$(wc -l <"$tmp/bad.body")" = 1 ] || fail "$path: the error is not one line: $(cat "$tmp/bad.body")"
done
kill -0 "$prog_pid" 2>/dev/null || fail "hot_cold is gone after the bad requests"
before=$(curl -s "$live_url/metrics" | awk '/^lambdascope_samples_total/ { print $2 }')
deadline=$((SECONDS + 30))
until [ "$(curl -s "$live_url/metrics" | awk '/^lambdascope_samples_total/ { print $2 }')" != "$before" ]; do
  ((SECONDS < deadline)) || { fail "no new samples after the bad requests"; break; }
  sleep 0.2
done

# The command ends as it would without --listen: its output, exit code and profile.
touch "$tmp/stop"
wait "$live_pid" || fail "record exited with $?"
[ "$(cat "$tmp/record.err.out")" = done ] || fail "hot_cold's output: $(cat "$tmp/record.err.out")"
go tool pprof -top "$tmp/out.pb.gz" 2>/dev/null | grep -q " hot$" || fail "the profile written at exit has no hot"

live_finish
