#!/usr/bin/env bash
# The interactive script of `lambdascope flamegraph -o x.svg` in headless Chromium (tests/e2e/render_svg.mjs):
# hover details, click zoom and reset, Ctrl-F regex search with "Matched: N%" checked against the folded input,
# Ctrl-I, Escape, hostile names. A missing browser, node, playwright-core or binary is a failure, never a skip.
set -euo pipefail

# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"

: "${LS_SOURCE_DIR:?LS_SOURCE_DIR must point at the repository}"
: "${LS_SHARED_DATA:?LS_SHARED_DATA must point at ../shared/data}"
: "${LS_BINARY:?LS_BINARY must be the lambdascope binary}"
[[ -x "$LS_BINARY" ]] || fail "LS_BINARY=$LS_BINARY is not an executable file"
command -v node >/dev/null || fail "node is not installed"
[[ -x "${LS_CHROMIUM:-/usr/bin/chromium}" ]] || fail "no Chromium at ${LS_CHROMIUM:-/usr/bin/chromium} (set LS_CHROMIUM)"
[[ -d "$LS_SOURCE_DIR/node_modules/playwright-core" ]] || fail "node_modules/playwright-core is missing (make setup)"

exec node "$LS_SOURCE_DIR/tests/e2e/render_svg.mjs"
