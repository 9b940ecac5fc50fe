#!/usr/bin/env bash
# `serve` stops merging when the client of a progress=1 stream goes away (the page aborts its request when the
# selection changes): over 4,000 stored profiles, a client reads the first progress line and disconnects; the
# server counts a cancelled merge, has parsed only part of the selection, and keeps answering.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}" "${LS_SHARED_DATA:?run through ctest}"
tmp=$(mktemp -d)
# shellcheck source=lib/serve.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/serve.sh"
trap 'stop_serve; rm -rf "$tmp"' EXIT
python3 - "$tmp/store" "$LS_SHARED_DATA/pprof/go-cpu.pb.gz" <<'PY'
import os, sys, time
root, body = sys.argv[1], open(sys.argv[2], "rb").read()
base = int(time.time() * 1000) - 60000
for i in range(4000):
    start = base - i * 1000
    t = time.gmtime(start / 1000)
    d = f"{root}/many/{t.tm_year:04d}/{t.tm_mon:02d}/{t.tm_mday:02d}/{t.tm_hour:02d}"
    os.makedirs(d, exist_ok=True)
    open(f"{d}/{start}_{10 + i % 500}_invoke_r{i:05d}.pb.gz", "wb").write(body)
PY
start_serve "$tmp/serve.log" "$tmp/store" -j 2
python3 - "$SERVE_URL" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import json, re, socket, sys, time, urllib.parse
base = sys.argv[1]
sys.path.insert(0, sys.argv[2])
from serve_checks import check, fail, get
u = urllib.parse.urlparse(base)
s = socket.create_connection((u.hostname, u.port), timeout=120)
s.sendall(f"GET /api/profile?function=many&format=page&progress=1 HTTP/1.1\r\nHost: 127.0.0.1:{u.port}\r\n\r\n".encode())
data = b""
while b'{"progress"' not in data or not data.rstrip(b"\r\n").endswith(b"}}"):
    chunk = s.recv(65536)
    if not chunk:
        fail(f"the stream ended before a progress line: {data[-300:]!r}")
    data += chunk
m = re.search(rb'\{"progress":\{"done":(\d+),"total":(\d+)\}\}', data)
check(m and int(m.group(2)) == 4000 and int(m.group(1)) < 4000, f"a first progress line of 4000: {data[-200:]!r}")
s.close()  # the page aborting its request

def metric(name):
    status, _, body = get(base + "metrics")
    check(status == 200, "metrics answers")
    m = re.search(rb"^" + name.encode() + rb" (\S+)$", body, re.M)
    return float(m.group(1)) if m else None

deadline = time.monotonic() + 60
while metric("lambdascope_serve_cancelled_merges_total") != 1:
    if time.monotonic() > deadline: fail("no cancelled merge counted within 60 s")
    time.sleep(0.1)
parsed = metric("lambdascope_serve_cache_profiles")
check(parsed is not None and parsed < 4000, f"the merge stopped early: {parsed} of 4000 profiles parsed")
status, _, body = get(base + "api/functions")
check(status == 200 and json.loads(body)["functions"][0]["invocations"] == 4000, "the server keeps answering")
print(f"ok: the client went away after the first progress line; the merge stopped after {parsed:.0f} of 4000 profiles")
PY
echo "PASS: serve stops merging when the client goes away"
