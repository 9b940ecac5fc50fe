"""Checks of `lambdascope serve`'s API shared by the serve tests: the folded answers against `merge` +
`collapse` of the same objects, run on the machine's real binary."""
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

BINARY = os.environ["LS_BINARY"]


def fail(what):
    print("FAIL:", what)
    sys.exit(1)


def check(cond, what):
    if not cond:
        fail(what)


def get(url, headers=None):
    """(status, headers, body bytes) of a GET; never raises on an HTTP status."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(base, path):
    status, _, body = get(base + path)
    check(status == 200, f"{path}: status {status}: {body[:300]!r}")
    return json.loads(body)


def merge_collapse(tmp, sources, args, name):
    """lambdascope merge SOURCES ARGS, then collapse: the folded bytes the API must equal."""
    out = os.path.join(tmp, name + ".pb.gz")
    subprocess.run([BINARY, "merge", *sources, *args, "-o", out], check=True, stderr=subprocess.DEVNULL)
    return subprocess.run([BINARY, "collapse", out], check=True, capture_output=True).stdout


def check_folded(base, tmp, store, query, sources, args, name):
    status, _, body = get(base + "api/profile?" + query + "&format=folded")
    check(status == 200, f"folded {query}: status {status} {body[:200]!r}")
    want = merge_collapse(tmp, sources or [store], args, name)
    check(len(want) > 0, f"merge+collapse of {name} is empty")
    check(body == want, f"folded of {query} differs from merge {args} + collapse")
    print(f"ok: folded {query} == merge+collapse ({len(body)} bytes)")
