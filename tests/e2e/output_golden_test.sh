#!/usr/bin/env bash
# Output bytes of the commands whose code moved into the library (issue 9) against digests recorded from the
# code before the move (golden/outputs.sha256). HTML pages embed the web bundle, which changes on its own, so
# for them only the decoded payload (the `lambdascope-data` script's JSON) is compared.
# LS_GOLDEN_RECORD=1 rewrites the digests instead of comparing (only when an output is meant to change).
# The payload digests were first recorded with the data's path in them (LS_SHARED_DATA=/work/shared/data) and
# re-recorded with the path replaced once the moved code had reproduced the recorded bytes exactly. Parallel
# merges now consume profiles in list order, so their bytes are those of the old code at -j 1 (recorded so).
set -euo pipefail
: "${LS_BINARY:?}" "${LS_SHARED_DATA:?}" "${LS_SOURCE_DIR:?}"
data=$LS_SHARED_DATA
golden=$LS_SOURCE_DIR/tests/e2e/golden/outputs.sha256
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/out
mkdir -p "$out"
ls_() { "$LS_BINARY" "$@" 2>"$work/stderr" || { cat "$work/stderr"; echo "FAIL: lambdascope $*"; exit 1; }; }

# The payload of a page, decoded (gzip+base64 or inline JSON), with the data folder's path (pages name their
# inputs) replaced by $DATA, so the digests do not depend on where ../shared/data is.
payload() {
  python3 - "$1" "$data" <<'PY'
import base64, gzip, json, os, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<script type="application/octet-stream" id="lambdascope-data" data-encoding="([^"]+)">(.*?)</script>', html, re.S)
if not m:
    sys.exit("no lambdascope-data script in " + sys.argv[1])
enc, body = m.group(1), m.group(2)
text = gzip.decompress(base64.b64decode(body)) if enc == "gzip+base64" else body.encode()
for d in {sys.argv[2], os.path.realpath(sys.argv[2])}:
    text = text.replace(json.dumps(d.rstrip("/"))[1:-1].encode(), b"$DATA")
sys.stdout.buffer.write(text)
PY
}

perf=$data/perf-script/perf-small.txt
pprof=$data/pprof/go-cpu.pb.gz
before=$data/folded/inferno-diff-folded-tests/before.txt
after=$data/folded/inferno-diff-folded-tests/after.txt

ls_ collapse "$perf" >"$out/collapse_perf.folded"
ls_ collapse "$pprof" >"$out/collapse_pprof.folded"
ls_ collapse --from 0.9 --to 1.6 "$data/perf-script/perf-medium.txt" >"$out/collapse_range.folded"
ls_ convert --to pprof "$perf" -o "$out/convert.pb.gz"
ls_ convert --to speedscope "$perf" -o "$out/convert.speedscope.json"
ls_ flamegraph "$perf" -o "$out/flamegraph.svg"
ls_ flamegraph --hash --colors java "$pprof" -o "$out/flamegraph_pprof.svg"
ls_ flamegraph "$perf" -o "$work/flamegraph.html" && payload "$work/flamegraph.html" >"$out/flamegraph.html.payload"
ls_ flamegraph --inverted --weight cpu "$pprof" -o "$work/fg2.html" && payload "$work/fg2.html" >"$out/flamegraph_pprof.html.payload"
ls_ heatmap "$data/perf-script/perf-medium.txt" -o "$work/heatmap.html" && payload "$work/heatmap.html" >"$out/heatmap.html.payload"
ls_ diff --folded "$before" "$after" >"$out/diff.folded"
ls_ diff --folded --absolute --strip-hex "$before" "$after" >"$out/diff_absolute.folded"
ls_ diff "$before" "$after" -o "$out/diff.svg"
ls_ diff "$before" "$after" -o "$work/diff.html" && payload "$work/diff.html" >"$out/diff.html.payload"
ls_ flamegraph "$data/folded/inferno-diff-folded-tests/results/default.txt" -o "$work/d2.html" &&
  payload "$work/d2.html" >"$out/flamegraph_two_count.html.payload"

# A small directory store: profiles converted to pprof and named as the extension names them.
store=$work/store
mkdir -p "$store/api/2025/11/21/08" "$store/api/2025/11/21/09" "$store/worker/2025/11/21/08"
ls_ convert --to pprof "$perf" -o "$store/api/2025/11/21/08/1763712000000_120_invoke_req-1.pb.gz"
ls_ convert --to pprof "$data/perf-script/perf-medium.txt" -o "$store/api/2025/11/21/09/1763715600000_900_invoke_req-2.pb.gz"
ls_ convert --to pprof --from 1 --until 1.5 "$data/perf-script/perf-medium.txt" -o "$store/api/2025/11/21/09/1763715700000_40_init_sandbox-1.pb.gz"
ls_ convert --to pprof "$before" -o "$store/worker/2025/11/21/08/1763712100000_75_invoke_req-3.pb.gz"
ls_ convert --to pprof "$after" -o "$store/worker/2025/11/21/08/1763712200000_80_invoke_req-4.pb.gz"
echo "not a profile" >"$store/api/2025/11/21/08/notes.txt"
ls_ merge "$store" --function api -o "$out/merge_api.pb.gz"
ls_ merge "$store" --function api --phase invoke -j 1 -o "$out/merge_api_invoke.pb.gz"
ls_ merge "$store" --function worker --min-duration 78 -o "$out/merge_worker.pb.gz"
for m in merge_api merge_api_invoke merge_worker; do ls_ collapse "$out/$m.pb.gz" >"$out/$m.folded"; done

actual=$work/actual.sha256
(cd "$out" && sha256sum -- * | sort -k2) >"$actual"
if [ "${LS_GOLDEN_RECORD:-0}" = 1 ]; then
  cp "$actual" "$golden"
  echo "recorded $(wc -l <"$golden") digests in $golden"
  exit 0
fi
if ! diff -u "$golden" "$actual"; then
  echo "FAIL: outputs differ from the recorded ones (above: - recorded, + now)"
  exit 1
fi
echo "PASS: $(wc -l <"$actual") outputs byte-identical to the recorded ones"
