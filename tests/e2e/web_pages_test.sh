#!/usr/bin/env bash
# Browser tests of the web pages: lambdascope flamegraph|heatmap|diff write them, headless Chromium opens them
# from file:// and tests/e2e/web_pages.mjs checks search, zoom, URL state, heat-map range selection against
# `lambdascope collapse --from A --to B`, diff colors, and the 500k-node and 2,500-deep pages. Screenshots go to
# $LS_BUILD_DIR/web-screenshots (default: $LS_SOURCE_DIR/build). A missing browser, node, playwright-core or
# binary is a failure, never a skip. (web_core_test.sh type-checks web/.)
set -euo pipefail

# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"

: "${LS_SOURCE_DIR:?LS_SOURCE_DIR must point at the repository}"
: "${LS_SHARED_DATA:?LS_SHARED_DATA must point at ../shared/data}"
: "${LS_BINARY:?LS_BINARY must be the lambdascope binary}"
[[ -x "$LS_BINARY" ]] || fail "LS_BINARY=$LS_BINARY is not an executable file"
[[ -d "$LS_SHARED_DATA" ]] || fail "LS_SHARED_DATA=$LS_SHARED_DATA is not a folder"
command -v node >/dev/null || fail "node is not installed"
chromium="${LS_CHROMIUM:-/usr/bin/chromium}"
[[ -x "$chromium" ]] || fail "no Chromium at $chromium (set LS_CHROMIUM)"
[[ -d "$LS_SOURCE_DIR/node_modules/playwright-core" ]] || fail "node_modules/playwright-core is missing (npm ci)"
[[ -d "$LS_SOURCE_DIR/node_modules/esbuild" ]] || fail "node_modules/esbuild is missing (npm ci)"

export LS_BUILD_DIR="${LS_BUILD_DIR:-$LS_SOURCE_DIR/build}"

exec node "$LS_SOURCE_DIR/tests/e2e/web_pages.mjs"
