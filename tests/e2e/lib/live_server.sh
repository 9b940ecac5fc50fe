# Helpers for the `record --listen` tests: compile a test program, start record with --listen on a free port
# and wait (generously) until it serves. Sourced; expects $tmp and $bin.

# live_compile NAME: tests/live/programs/NAME.c -> $tmp/NAME, with frame pointers so every stack is whole.
live_compile() {
  cc -O1 -g -fno-omit-frame-pointer -o "$tmp/$1" "$LS_SOURCE_DIR/tests/live/programs/$1.c"
}

# live_start LOG ARGS...: runs `record ARGS` in the background (pid in $live_pid), then waits for its
# "serving http://127.0.0.1:PORT/" line and sets $live_port and $live_url.
live_start() {
  local log=$1
  shift
  "$bin" record "$@" >"$log.out" 2>"$log" &
  live_pid=$!
  local deadline=$((SECONDS + 60))
  until grep -q "serving http://" "$log" 2>/dev/null; do
    if ! kill -0 "$live_pid" 2>/dev/null || ((SECONDS > deadline)); then
      echo "FAIL: record --listen did not start serving:"
      cat "$log"
      exit 1
    fi
    sleep 0.2
  done
  live_port=$(grep -o "serving http://127.0.0.1:[0-9]*" "$log" | grep -o "[0-9]*$")
  live_url="http://127.0.0.1:$live_port"
}

# A free TCP port on 127.0.0.1 (for servers that cannot report the one they bound).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# live_setup: a temporary folder ($tmp, with HOME and go's caches in it), processes ended at exit ($pids; the
# test programs stop when $tmp/stop exists), and failures counted by fail() and reported by live_finish.
live_setup() {
  tmp=$(mktemp -d)
  pids=()
  failures=0
  trap live_cleanup EXIT
  export HOME=$tmp/home GOCACHE=$tmp/gocache PPROF_TMPDIR=$tmp/pprof GOFLAGS= GOTOOLCHAIN=local
  mkdir -p "$HOME" "$PPROF_TMPDIR"
}
live_cleanup() {
  touch "$tmp/stop"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
live_finish() {
  if ((failures > 0)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo ok
}
