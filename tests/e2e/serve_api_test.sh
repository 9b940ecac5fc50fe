#!/usr/bin/env bash
# `lambdascope serve`'s API over a directory store written by the Lambda extension through `local` (a Node.js
# function, 12 invocations: 9 ordinary ones burning 100-180 ms in burn_r00..08, 3 slow ones burning 600 ms in
# burn_r19): folded answers equal `merge` + `collapse` of the same objects; why-slow ranks burn_r19 first;
# /metrics passes promtool and is scraped by a real Prometheus; 50 concurrent requests while new objects land;
# every path-traversal case, bad parameters, the Host check; objects that are not ours are skipped and counted;
# nothing is written into the store.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}" "${LS_SHARED_DATA:?run through ctest}"
tmp=$(mktemp -d)
PROM_PID=
cleanup() {
  stop_serve
  [ -z "$PROM_PID" ] || { kill "$PROM_PID" 2>/dev/null || true; wait "$PROM_PID" 2>/dev/null || true; }
  rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
# shellcheck source=lib/serve.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/serve.sh"
make_layer "$tmp/layer"
for i in $(seq 0 8); do printf '{"fn":"burn_r%02d","ms":%d}\n' "$i" $((100 + 10 * i)); done >"$tmp/events.jsonl"
for i in 1 2 3; do printf '{"fn":"burn_r19","ms":600}\n'; done >>"$tmp/events.jsonl"
cd "$tmp"  # the default destination under local is ./lambdascope-data
"$LS_BINARY" local --function "$LS_SOURCE_DIR/tests/lambda/fixtures/node-burn" --events events.jsonl \
  --extensions "$tmp/layer/extensions" --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" \
  --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" --env LAMBDASCOPE_HZ=199 --json >out.jsonl 2>err.log ||
  { cat err.log; exit 1; }
store=$tmp/lambdascope-data

# Not ours: two stray files and a symlink with a valid key name that leads out of the store (3 skipped);
# a profile file served in FlameScope mode beside the store, and a symlink out that must not be.
# `merge` reads what its listing finds, the symlink too: the reference answers come from a copy without it.
cp -a "$store" "$tmp/mirror"
mkdir -p "$store/node-burn/2025/01/01/00"
echo "notes" >"$store/node-burn/README.txt"
echo "{}" >"$store/node-burn/2025/01/01/00/metadata.json"
ln -s /etc/hostname "$store/node-burn/2025/01/01/00/1735689600000_5_invoke_outside.pb.gz"
cp "$LS_SHARED_DATA/perf-script/perf-medium.txt" "$store/perf-medium.txt"
ln -s /etc/passwd "$store/passwd.txt"
printf '%s\n' 'main;<script>alert(1)</script>;leaf 5' 'main;<img src=x onerror="alert(2)">;&amp; 3' >"$store/markup.folded"
(cd "$store" && find . | sort && find . -type f -exec sha256sum {} + | sort) >"$tmp/store-before.txt"

start_serve "$tmp/serve.log" "$store"
python3 - "$SERVE_URL" "$tmp" "$store" "$LS_SOURCE_DIR/tests/e2e/lib" "$tmp/mirror" <<'PY'
import json, os, shutil, sys, threading, urllib.parse
base, tmp, store, mirror = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5]
sys.path.insert(0, sys.argv[4])
from serve_checks import check, check_folded, fail, get, get_json
q = urllib.parse.quote

# Listing, from keys alone.
fns = get_json(base, "api/functions")
nb = [f for f in fns["functions"] if f["name"] == "node-burn"]
check(len(nb) == 1, f"node-burn listed: {fns}")
nb = nb[0]
check(nb["invocations"] == 12 and nb["inits"] == 1, f"12 invocations and 1 init: {nb}")
check(nb["p50_ms"] <= nb["p90_ms"] <= nb["p99_ms"] and nb["first_ms"] <= nb["last_ms"], f"percentiles: {nb}")
check(fns["foreign_objects"] == 3, f"3 objects skipped as not ours, got {fns['foreign_objects']}")
inv = get_json(base, "api/invocations?function=node-burn&order=duration&limit=100")
check(inv["total"] == 13 and len(inv["invocations"]) == 13, f"13 profiles: {inv['total']}")
d = [i["duration_ms"] for i in inv["invocations"]]
check(d == sorted(d, reverse=True), "order=duration: longest first")
check(not any("outside" in i["key"] for i in inv["invocations"]), "the symlink out of the store is not listed")
lim = get_json(base, "api/invocations?function=node-burn&phase=invoke&limit=2")
check(lim["total"] == 12 and len(lim["invocations"]) == 2, "limit=2 of 12")
lab = get_json(base, "api/invocations?function=node-burn&order=start&labels=1&limit=20")["invocations"]
check(all("labels" in i and i["labels"].get("request_id") == i["request_id"] for i in lab), "labels=1: each row carries its profile's labels")
check(lab[0]["labels"].get("phase") == "init" and any(i["labels"].get("cold_start") == "true" for i in lab), f"labels: {lab[0]['labels']}")
check(all("status" in i["labels"] and "duration_ms" in i["labels"] for i in lab if i["phase"] == "invoke"), f"invoke labels: {lab[1]['labels']}")
files = get_json(base, "api/files")["files"]
check([f["name"] for f in files] == ["markup.folded", "perf-medium.txt"], f"files: {files}")
check(files[1]["format"] == "perf-script" and files[1]["bytes"] == os.path.getsize(f"{store}/perf-medium.txt"), f"file row: {files}")
check(files[0]["format"] == "folded", f"folded file: {files[0]}")
# Frame names with markup: escaped in every JSON answer ('<' as \u003c), served as data, never sniffed.
status, headers, body = get(base + "api/profile?file=markup.folded&format=page")
check(status == 200 and b"<" not in body and b"\\u003cscript>alert(1)\\u003c/script>" in body, f"markup escaped in the payload: {body[:300]!r}")
check(headers.get("X-Content-Type-Options") == "nosniff", "nosniff")
status, headers, body = get(base + "api/profile?file=markup.folded&format=folded")
check(b"<script>alert(1)</script>" in body and headers["Content-Type"].startswith("text/plain"), "folded is plain text")
print("ok: functions, invocations, files")

# Folded answers == merge + collapse of the same objects.
keys = [i["key"] for i in inv["invocations"]]
slow_min = sorted(d)[-3]
check_folded(base, tmp, mirror, "function=node-burn", None, ["--function", "node-burn"], "all")
check_folded(base, tmp, mirror, "function=node-burn&phase=invoke", None, ["--function", "node-burn", "--phase", "invoke"], "invoke")
check_folded(base, tmp, mirror, f"function=node-burn&min_duration={slow_min}", None, ["--function", "node-burn", "--min-duration", str(slow_min)], "slow")
check_folded(base, tmp, mirror, f"key={q(keys[0])}&key={q(keys[5])}", [f"{store}/{keys[0]}", f"{store}/{keys[5]}"], [], "two")
import subprocess
B = os.environ["LS_BINARY"]
for query, args in [("file=perf-medium.txt", []), ("file=perf-medium.txt&from=0.5&to=1.5", ["--from", "0.5", "--to", "1.5"])]:
    status, _, body = get(base + "api/profile?" + query + "&format=folded")
    want = subprocess.run([B, "collapse", *args, f"{store}/perf-medium.txt"], check=True, capture_output=True).stdout
    check(status == 200 and body == want and body, f"{query}: folded differs from collapse {args}")
print("ok: file folded == collapse (whole and --from/--to)")
status, _, pb = get(base + "api/profile?function=node-burn&format=pprof")
check(status == 200 and pb[:2] == b"\x1f\x8b", "pprof is gzip'd")
open(f"{tmp}/served.pb.gz", "wb").write(pb)
again = subprocess.run([B, "collapse", f"{tmp}/served.pb.gz"], check=True, capture_output=True).stdout
check(again == get(base + "api/profile?function=node-burn&format=folded")[2], "pprof collapses to the folded answer")
ss = json.loads(get(base + "api/profile?function=node-burn&format=speedscope")[2])
check("speedscope" in ss.get("$schema", ""), "speedscope file")
# /flamegraph.json: Grafana's nested set of the selection, depth-first, each value at least its children's sum.
def nested_set_ok(rows, what):
    check(rows and rows[0]["label"] == "total" and rows[0]["level"] == 0, f"{what}: root row {rows[:1]}")
    for i, r in enumerate(rows):
        check(i == 0 or 1 <= r["level"] <= rows[i - 1]["level"] + 1, f"{what}: row {i} breaks depth-first order")
        kids, j = 0.0, i + 1
        while j < len(rows) and rows[j]["level"] > r["level"]:
            if rows[j]["level"] == r["level"] + 1:
                kids += rows[j]["value"]
            j += 1
        check(r["value"] + 1e-6 >= kids and abs(r["value"] - r["self"] - kids) <= 1e-6 * max(1.0, r["value"]),
              f"{what}: row {i} value {r['value']} vs self {r['self']} + children {kids}")
    check(abs(rows[0]["value"] - sum(r["self"] for r in rows)) <= 1e-6 * rows[0]["value"], f"{what}: root = total")
fg = get_json(base, "flamegraph.json?function=node-burn")
nested_set_ok(fg, "flamegraph.json")
check(any("burn_r0" in r["label"] for r in fg), "flamegraph.json names the handler's functions")
small = get_json(base, "flamegraph.json?function=node-burn&max_nodes=6")
nested_set_ok(small, "flamegraph.json max_nodes=6")
check(len(small) <= 6 and any(r["label"] == "other" for r in small) and small[0]["value"] == fg[0]["value"],
      f"max_nodes=6: {len(small)} rows, the rest folded into other, same total")
status, _, body = get(base + "flamegraph.json?function=node-burn&max_nodes=0")
check(status == 400 and b"max_nodes" in body, f"max_nodes=0: {status} {body[:200]!r}")
print("ok: /flamegraph.json")
page = get_json(base, "api/profile?function=node-burn&format=page")
check(page["format"] == "lambdascope-page" and page["page"] == "flamegraph", "flamegraph payload")
heat = get_json(base, "api/profile?file=perf-medium.txt&format=page&view=heatmap")
check(heat["page"] == "heatmap", "heatmap payload")
# diff folded == lambdascope diff --folded of the two merges.
status, _, df = get(base + "api/diff?base=" + q("function=node-burn&max_duration=" + str(slow_min - 1)) + "&new=" + q(f"function=node-burn&min_duration={slow_min}"))
subprocess.run([B, "merge", mirror, "--function", "node-burn", "--min-duration", str(slow_min), "-o", f"{tmp}/new.pb.gz"], check=True, stderr=subprocess.DEVNULL)
fast_keys = [f"{store}/{i['key']}" for i in inv["invocations"] if i["duration_ms"] < slow_min]
subprocess.run([B, "merge", *fast_keys, "-o", f"{tmp}/base.pb.gz"], check=True, stderr=subprocess.DEVNULL)
want = subprocess.run([B, "diff", "--folded", f"{tmp}/base.pb.gz", f"{tmp}/new.pb.gz"], check=True, capture_output=True).stdout
check(status == 200 and df == want, "diff folded == lambdascope diff --folded of the merges")
print("ok: pprof, speedscope, page, heatmap page, diff")

# Progress: ndjson lines, then the payload.
status, headers, body = get(base + "api/profile?function=node-burn&format=page&progress=1")
lines = [json.loads(l) for l in body.decode().splitlines()]
check(status == 200 and headers.get("Content-Type", "").startswith("application/x-ndjson"), "ndjson")
check(all("progress" in l for l in lines[:-1]) and "payload" in lines[-1], f"progress lines then the payload: {[list(l) for l in lines]}")
check(lines[-2]["progress"]["done"] == lines[-2]["progress"]["total"] == 13, f"last progress 13/13: {lines[-2]}")

# Why slow: the planted burn_r19 first, with the counts behind it, not noise.
ws = get_json(base, "api/why-slow?function=node-burn")
check(ws["slow"]["invocations"] == 3, f"slow group of 3: {ws['slow']}")
check(ws["fast"]["invocations"] >= 1, f"fast group: {ws['fast']}")
top = ws["functions"][0]
check("burn_r19" in top["name"], f"burn_r19 ranked first: {[f['name'] for f in ws['functions'][:5]]}")
check(top["noise"] is False and top["slow_samples"] > top["fast_samples"] and top["extra_ms_per_invocation"] > 0, f"burn_r19 row: {top}")
check(any(f["noise"] for f in ws["functions"]), "some row is within noise")
sel = get_json(base, "api/invocations?" + ws["slow"]["selection"])
check(sel["total"] == 3, f"slow.selection selects the 3: {ws['slow']['selection']}")
wpage = get_json(base, "api/diff?base=" + q(ws["fast"]["selection"]) + "&new=" + q(ws["slow"]["selection"]) + "&normalize=invocations&format=page")
check(wpage["page"] == "diff", "per-invocation diff page")
print("ok: why-slow ranks burn_r19 first:", {k: top[k] for k in ("extra_ms_per_invocation", "slow_samples", "fast_samples", "p_value")})

# Bad parameters: 400 naming the parameter; unknown function or key: 404.
for path, param in [("api/profile?function=node-burn&format=xml", "format"), ("api/invocations?order=size", "order"),
                    ("api/invocations?limit=x", "limit"), ("api/profile?function=node-burn&since=yesterday", "since"),
                    ("api/profile?function=node-burn&phase=run", "phase"), ("api/profile?function=node-burn&min_duration=-3", "min_duration"),
                    ("api/profile?file=perf-medium.txt&from=abc", "from"), ("api/profile?function=a&function=b", "function"),
                    ("api/diff?new=function%3Dnode-burn", "base"), ("api/diff?base=function%3Dnode-burn&new=phase%3Dx", "new"),
                    ("api/why-slow", "function"), ("api/profile?function=node-burn&format=page&view=3d", "view")]:
    status, _, body = get(base + path)
    err = json.loads(body)
    check(status == 400 and err.get("parameter") == param and b"\n" not in body.strip(), f"{path}: 400 naming {param}, got {status} {body!r}")
for path in ["api/profile?function=nobody", "api/profile?key=node-burn/2025/01/01/00/1_1_invoke_x.pb.gz", "api/why-slow?function=nobody", "f/nobody"]:
    status, _, body = get(base + path)
    check(status == 404 and "error" in json.loads(body), f"{path}: 404, got {status}")
print("ok: bad parameters (400 naming each) and unknown names (404)")

# Path traversal: 404 and nothing read, however the path is spelled.
secret = open("/etc/passwd", "rb").read()[:20]
for path in ["api/profile?file=../perf-medium.txt", "api/profile?file=%2e%2e%2fperf-medium.txt", "api/profile?file=%2E%2E/%2E%2E/etc/passwd",
             "api/profile?file=/etc/passwd", "api/profile?file=" + q(store + "/perf-medium.txt"), "api/profile?file=passwd.txt",
             "api/profile?file=perf-medium.txt%00", "api/profile?file=perf-medium.txt%00.x", "api/profile?key=../../../etc/passwd",
             "api/profile?key=" + q("node-burn/2025/01/01/00/1735689600000_5_invoke_outside.pb.gz"),
             "file/..%2f..%2fetc%2fpasswd", "file/%2e%2e/%2e%2e/etc/passwd", "file/passwd.txt", "i/..%2F..%2Fetc%2Fpasswd",
             "../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "api/../../etc/passwd", "file/%00"]:
    status, _, body = get(base + path)
    check(status in (400, 404) and secret not in body, f"{path}: refused without content, got {status} {body[:80]!r}")
    if path.startswith(("api/profile", "file/")):
        check(status == 404, f"{path}: 404, got {status}")
print("ok: path traversal refused")

# Host header (DNS rebinding) and CORS.
port = base.rsplit(":", 1)[1].strip("/")
status, _, _ = get(base + "api/functions", {"Host": "attacker.example"})
check(status == 403, f"foreign Host refused, got {status}")
status, _, _ = get(base + "api/functions", {"Host": "attacker.example:" + port})
check(status == 403, "foreign Host with the port refused")
status, headers, _ = get(base + "api/functions", {"Host": "localhost:" + port, "Origin": "http://attacker.example"})
check(status == 200, "Host localhost accepted")
check(not any(h.lower().startswith("access-control") for h in headers), f"no CORS headers: {headers}")
status, headers, body = get(base)
check(status == 200 and b'"page":"serve"' in body and headers["Content-Type"].startswith("text/html"), "the shell at /")
print("ok: Host check, no CORS, shell")

# 50 concurrent requests while new objects land; the new ones appear without a restart.
paths = ["api/functions", "api/invocations?function=node-burn", "api/profile?function=node-burn&format=folded",
         "api/why-slow?function=node-burn", "metrics"]
results = []
def worker(n):
    status, _, _ = get(base + paths[n % len(paths)])
    results.append(status)
threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
for t in threads: t.start()
src = f"{store}/{[k for k in keys if 'invoke' in k][0]}"
landed = []
for n in range(10):
    key = f"node-burn/2030/01/01/00/{1893456000000 + n}_{50 + n}_invoke_landed-{n}.pb.gz"
    os.makedirs(os.path.dirname(f"{store}/{key}"), exist_ok=True)
    shutil.copy(src, f"{store}/{key}.tmp")
    os.rename(f"{store}/{key}.tmp", f"{store}/{key}")
    landed.append(key)
for t in threads: t.join()
check(results.count(200) == 50, f"50 concurrent answers 200: {sorted(results)}")
import time
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    if get_json(base, "api/invocations?function=node-burn&phase=invoke")["total"] == 22: break
    time.sleep(0.2)
else:
    fail("the 10 new objects did not appear within 60 s")
open(f"{tmp}/landed.txt", "w").write("".join(k + "\n" for k in landed))
print("ok: 50 concurrent requests while 10 objects landed; they appear without a restart")
PY

# /metrics: promtool's checks, and a real Prometheus scrapes it.
curl -sf "${SERVE_URL}metrics" >"$tmp/metrics.txt"
promtool check metrics <"$tmp/metrics.txt" || { cat "$tmp/metrics.txt"; echo "FAIL: promtool check metrics"; exit 1; }
grep -q 'lambdascope_store_profiles{function="node-burn",phase="invoke"} 22' "$tmp/metrics.txt" || { cat "$tmp/metrics.txt"; echo "FAIL: 22 invoke profiles in /metrics"; exit 1; }
grep -q 'lambdascope_store_foreign_objects 3' "$tmp/metrics.txt" || { echo "FAIL: foreign objects in /metrics"; exit 1; }
prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
serve_port=${SERVE_URL#http://127.0.0.1:}; serve_port=${serve_port%/}
cat >"$tmp/prometheus.yml" <<YML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: lambdascope
    static_configs: [{targets: ["127.0.0.1:$serve_port"]}]
YML
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prom" \
  --web.listen-address="127.0.0.1:$prom_port" >"$tmp/prom.log" 2>&1 &
PROM_PID=$!
value=
deadline=$((SECONDS + 120))
while [ $SECONDS -lt $deadline ]; do
  value=$(curl -s "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode \
    'query=lambdascope_invocation_duration_seconds_count{function="node-burn",phase="invoke"}' |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null || true)
  [ -n "$value" ] && break
  sleep 0.5
done
[ "$value" = 22 ] || { tail -20 "$tmp/prom.log"; echo "FAIL: Prometheus scraped '$value', expected 22"; exit 1; }
echo "ok: promtool check metrics passes; Prometheus scraped 22 invoke profiles"

# Nothing was written into the store but the test's own 10 objects.
stop_serve
while read -r key; do rm "$store/$key"; done <"$tmp/landed.txt"
rmdir -p "$store/node-burn/2030/01/01/00" 2>/dev/null || true
(cd "$store" && find . | sort && find . -type f -exec sha256sum {} + | sort) >"$tmp/store-after.txt"
diff "$tmp/store-before.txt" "$tmp/store-after.txt" || { echo "FAIL: the store changed"; exit 1; }
echo "PASS: serve API over a directory store"
