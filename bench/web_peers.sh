#!/usr/bin/env bash
# First paint of a 500k-node flame graph: lambdascope's page against speedscope's release app, both in the same
# headless Debian Chromium (software rendering). Prints a markdown table with medians and the ratio.
#   bench/web_peers.sh [--nodes N] [--runs N] [--page FILE.html]
# --page measures a page written elsewhere instead of the harness's. With LS_BINARY set (or --cli BINARY), the
# page `lambdascope flamegraph` writes from the same profile is measured too.
# Env: LS_SOURCE_DIR (default: this repo), LS_BUILD_DIR (work files, default build/), LS_CHROMIUM.
set -euo pipefail
src="${LS_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}"
chromium="${LS_CHROMIUM:-/usr/bin/chromium}"
[[ -x "$chromium" ]] || { echo "no Chromium at $chromium" >&2; exit 1; }
command -v node >/dev/null || { echo "node is not installed" >&2; exit 1; }
for m in playwright-core esbuild speedscope; do
  [[ -d "$src/node_modules/$m" ]] || { echo "node_modules/$m is missing (npm ci)" >&2; exit 1; }
done
export LS_SOURCE_DIR="$src"
cli=()
if [[ -n "${LS_BINARY:-}" ]]; then
  [[ -x "$LS_BINARY" ]] || { echo "LS_BINARY=$LS_BINARY is not executable" >&2; exit 1; }
  cli=(--cli "$LS_BINARY")
fi
exec node "$src/bench/web_first_paint.mjs" "${cli[@]}" "$@"
