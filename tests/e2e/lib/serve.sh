# Sourced by the serve tests: start `lambdascope serve` on 127.0.0.1 (any free port) and wait for its URL.
#   start_serve LOG SOURCE... [OPTIONS]  sets SERVE_PID and SERVE_URL ("http://127.0.0.1:PORT/")
#   stop_serve
start_serve() {
  local log=$1
  shift
  # Created here: the background process opens it only once it runs, and the loop below reads it at once.
  : >"$log"
  "$LS_BINARY" serve --port 0 "$@" >"$log" 2>&1 &
  SERVE_PID=$!
  SERVE_URL=
  local deadline=$((SECONDS + 60))
  while [ $SECONDS -lt $deadline ]; do
    SERVE_URL=$(sed -n 's/^lambdascope serve: \(http:[^ ]*\)$/\1/p' "$log")
    [ -n "$SERVE_URL" ] && return 0
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "FAIL: serve did not print its URL"; cat "$log"; return 1
}

stop_serve() {
  [ -n "${SERVE_PID:-}" ] || return 0
  kill "$SERVE_PID" 2>/dev/null || true
  wait "$SERVE_PID" 2>/dev/null || true
  SERVE_PID=
}
