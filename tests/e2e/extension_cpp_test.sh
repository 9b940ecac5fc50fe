#!/usr/bin/env bash
# The Lambda extension end to end with the C++ sample custom runtime (examples/functions/cpp-bootstrap): an
# OS-only runtime ignores AWS_LAMBDA_EXEC_WRAPPER, so its `bootstrap` starts the program through the
# wrapper, as docs/lambda-extension.md tells users to. 20 invocations, each burning CPU in the C++ function
# named after it (burn_r00 .. burn_r19): every profile holds its own and no other. (Its init takes a few
# milliseconds of CPU, so the init profile may hold no sample; it must still be there.)
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
build_dir=$(cd "$(dirname "$LS_BINARY")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"

mkdir "$tmp/cpp-burn"
cp "$build_dir/examples/functions/cpp-bootstrap/bootstrap" "$tmp/cpp-burn/sample"
cat >"$tmp/cpp-burn/bootstrap" <<SH
#!/bin/sh
exec "$tmp/layer/lambdascope-wrapper" "\$LAMBDA_TASK_ROOT/sample" "\$@"
SH
chmod +x "$tmp/cpp-burn/bootstrap"
for i in $(seq 0 19); do printf '{"action":"burn","fn":"burn_r%02d","ms":200}\n' "$i"; done >"$tmp/events.jsonl"

cd "$tmp"
"$LS_BINARY" local --function "$tmp/cpp-burn" --events events.jsonl --memory 256 --no-limits \
  --extensions "$tmp/layer/extensions" --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" --env LAMBDASCOPE_HZ=199 \
  --json >out.jsonl 2>err.log || { cat err.log; exit 1; }

python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
results, invokes, init = lp.verify_burn_run(sys.argv[1], "cpp-burn", handler_frame="main", init_frame=None,
                                            memory_mb=256, init_samples=False)
# Native frames: the C++ call chain down to the burner, from main.
p = invokes[results[3]["requestId"]]
chains = [s["stack"] for s in p["samples"] if any("burn_r03" in f for f in s["stack"])]
if not any(any(f == "main" for f in st) for st in chains):
    print("FAIL: burn_r03's stacks do not reach main:", chains[:2])
    sys.exit(1)
print("ok: native stacks from main to burn_r03")
PY
