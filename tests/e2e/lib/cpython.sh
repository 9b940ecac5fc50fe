# Sourced by the Python tests: CPython 3.13 (Lambda's python3.13; Debian 12 has 3.11 only), built once by
# scripts/build_cpython.sh into ~/.cache/lambdascope/cpython-3.13 (scripts/setup.sh builds it; a no-op when
# cached). It is not skippable: when it cannot be built, the test fails with the reason.
# Usage: python=$(cpython313) || exit 1
cpython313() {
  local out
  out=$(bash "$LS_SOURCE_DIR/scripts/build_cpython.sh") || {
    echo "FAIL: CPython 3.13 could not be built (scripts/build_cpython.sh, see above)" >&2
    return 1
  }
  out=${out##*$'\n'}
  [ -x "$out" ] || { echo "FAIL: scripts/build_cpython.sh gave no interpreter: $out" >&2; return 1; }
  echo "$out"
}
