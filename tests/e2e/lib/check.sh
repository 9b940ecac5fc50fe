# Sourced by the end-to-end tests: how a test fails, in one place.
#   fail MESSAGE...   prints "FAIL: MESSAGE" on stderr, then the last 30 lines of $FAIL_LOG when that names a
#                     file (the log of the command under test), and exits 1
# It also puts this folder on PYTHONPATH, so a test's Python part can `from check import Check` (check.py).
e2e_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONPATH="$e2e_lib${PYTHONPATH:+:$PYTHONPATH}"

fail() {
  echo "FAIL: $*" >&2
  if [ -n "${FAIL_LOG:-}" ] && [ -f "$FAIL_LOG" ]; then
    echo "--- last lines of $FAIL_LOG:" >&2
    tail -30 "$FAIL_LOG" >&2
  fi
  exit 1
}
