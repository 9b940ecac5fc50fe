#!/usr/bin/env bash
# A Java 17 function through the layer under `lambdascope local`, started as Lambda starts a managed runtime
# (behind AWS_LAMBDA_EXEC_WRAPPER, whose JAVA_TOOL_OPTIONS load the agent as a JVMTI agent too). AWS's Java
# runtime interface client is not reachable here, so the function brings a small Runtime API loop written with
# java.net.http only. 10 invocations, each burning CPU in a method named after its event (Handler.burn_r00 ..
# burn_r09, each with its own loop): every invoke profile holds its own method and none of the others', under
# Handler.handleRequest; at least 90% of the handler's CPU samples end in a named Java method; the init profile
# names the static initialiser's work (Warmup.computeTables under Warmup.<clinit>), not `Interpreter`.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
command -v javac >/dev/null || { echo "javac is not installed (scripts/setup.sh installs openjdk-17-jdk-headless)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/lambda_layer.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"

# shellcheck source=lib/java_burn.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/java_burn.sh"
make_java_burn_function "$tmp"
for i in $(seq 0 9); do printf '{"fn":"burn_r%02d","ms":300}\n' "$i"; done >"$tmp/events.jsonl"

cd "$tmp"  # the default destination under local is ./lambdascope-data
"$LS_BINARY" local --function "$tmp/fn" --events events.jsonl \
  --extensions "$tmp/layer/extensions" --env AWS_LAMBDA_EXEC_WRAPPER="$tmp/layer/lambdascope-wrapper" \
  --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" --env LAMBDASCOPE_RING_DIR="$tmp/rings" --env LAMBDASCOPE_HZ=199 \
  --json -- java -XX:-UsePerfData -cp "$tmp/fn" Bootstrap >out.jsonl 2>err.log || { cat err.log; exit 1; }

python3 - "$tmp" "$LS_SOURCE_DIR/tests/e2e/lib" <<'PY'
import re
import sys
sys.path.insert(0, sys.argv[2])
import lambda_profiles as lp
tmp = sys.argv[1]
results, invokes, init = lp.verify_burn_run(tmp, "fn", handler_frame="Handler.handleRequest",
                                            init_frame="Warmup.computeTables")
JAVA_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z0-9_$<>]+)+$")

def fail(what):
    print("FAIL:", what)
    print(open(f"{tmp}/err.log").read()[-3000:])
    sys.exit(1)

for k, r in enumerate(results):
    p = invokes[r["requestId"]]
    want = f"Handler.burn_r{k:02d}"
    handler = [s for s in p["samples"] if "Handler.handleRequest" in s["stack"]
               and not s["stack"][0].startswith("[waiting")]
    if not handler:
        fail(f"no samples under Handler.handleRequest in the profile of {want}")
    named = sum(1 for s in handler if JAVA_NAME.match(s["stack"][0]))
    if named < 0.9 * len(handler):
        leaves = sorted({s["stack"][0] for s in handler if not JAVA_NAME.match(s["stack"][0])})
        fail(f"{want}: {named} of {len(handler)} handler samples end in a named Java method; others: {leaves[:8]}")
    # The burning method with its caller above it (stack is leaf first).
    if not any(want in s["stack"] and s["stack"].index(want) + 1 < len(s["stack"])
               and s["stack"][s["stack"].index(want) + 1] == "Handler.handleRequest" for s in handler):
        fail(f"{want} is not called by Handler.handleRequest in its profile")
    if not any("java: " in c and "samples with Java frames" in c for c in p["comments"]):
        fail(f"no Java counters in the comments of {want}: {p['comments']}")
clinit = [s for s in init["samples"] if "Warmup.computeTables" in s["stack"]]
if not any(s["stack"][s["stack"].index("Warmup.computeTables") + 1:][:1] == ["Warmup.<clinit>"] for s in clinit):
    fail("Warmup.computeTables is not under Warmup.<clinit> in the init profile")
if any(f == "Interpreter" for s in init["samples"] for f in s["stack"]):
    fail("the init profile has Interpreter frames")
print(f"ok: Java frames named in {len(results)} invoke profiles and the init profile "
      f"({len(clinit)} samples in Warmup.computeTables)")
PY
