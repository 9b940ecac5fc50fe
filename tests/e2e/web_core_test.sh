#!/usr/bin/env bash
# Node-level checks of the web UI's core (bucket math against BigInt, trees, totals, sandwich, diff, folded
# text) and the strict type check of web/. No browser needed; a missing node or esbuild is a failure.
set -euo pipefail
: "${LS_SOURCE_DIR:?LS_SOURCE_DIR must point at the repository}"
command -v node >/dev/null || { echo "FAIL: node is not installed" >&2; exit 1; }
[[ -d "$LS_SOURCE_DIR/node_modules/esbuild" ]] || { echo "FAIL: node_modules/esbuild is missing (npm ci)" >&2; exit 1; }
"$LS_SOURCE_DIR/node_modules/.bin/tsc" --noEmit -p "$LS_SOURCE_DIR/web"
exec node "$LS_SOURCE_DIR/tests/e2e/web_core.mjs"
