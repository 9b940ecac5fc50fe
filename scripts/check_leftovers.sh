#!/usr/bin/env bash
# The end of `make test`: fails when a lambdascope ring, perf map, spool or inbox file (or an empty folder of the
# extension's) was left behind in /tmp by a process that is gone (a live process may still be using its files).
# Rings are 8 MB sparse files and, in Lambda, /tmp is the function's disk: the agent, `record` and the extension
# must remove what they made.
# Usage: scripts/check_leftovers.sh [--record FILE | --since FILE] [TMPDIR]   (default /tmp)
#   --record FILE  writes the leftovers there now, and succeeds (`make test` runs this before its tests)
#   --since FILE   fails only for leftovers not in FILE: what this run left. Older ones (a run killed earlier,
#                  another checkout's tests on the same machine) are listed, not failed on.
set -uo pipefail
mode=check
list=
case "${1:-}" in
  --record | --since)
    mode=${1#--}
    list=${2:?"$1 needs a file"}
    shift 2
    ;;
esac
tmp=${1:-/tmp}
left=()

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Rings: lambdascope-PID-N.ring, in /tmp itself, in the extension's folders and in record's.
while IFS= read -r -d '' f; do
  name=${f##*/}
  pid=${name#lambdascope-}
  pid=${pid%%-*}
  alive "$pid" || left+=("$f")
done < <(find "$tmp" -maxdepth 3 -type f -name 'lambdascope-*.ring' -print0 2>/dev/null)

# Perf maps of JIT runtimes we turned on (record --node/--python, the layer's wrapper).
while IFS= read -r -d '' f; do
  name=${f##*/}
  pid=${name#perf-}
  pid=${pid%.map}
  alive "$pid" || left+=("$f")
done < <(find "$tmp" -maxdepth 1 -type f -name 'perf-*.map' -print0 2>/dev/null)

# The extension's default spool: profiles not sent.
while IFS= read -r -d '' f; do
  left+=("$f")
done < <(find "$tmp/lambdascope-spool" -type f -print0 2>/dev/null)

# The extension's default inbox (docs/inbox.md): profiles a runtime dropped that nobody took.
while IFS= read -r -d '' f; do
  left+=("$f")
done < <(find "$tmp/lambdascope/inbox" -type f -print0 2>/dev/null)

# The extension's default folders (one per sandbox), which it removes at SHUTDOWN once they are empty. Their
# shared parents stay.
while IFS= read -r -d '' d; do
  left+=("$d/")
done < <(find "$tmp/lambdascope-rings" "$tmp/lambdascope-spool" -mindepth 1 -type d -empty -print0 2>/dev/null)

if [ "$mode" = record ]; then
  printf '%s\n' "${left[@]}" >"$list"
  ((${#left[@]})) && echo "check_leftovers: ${#left[@]} files were already left in $tmp before this run (not counted)"
  exit 0
fi
if [ "$mode" = since ] && [ -f "$list" ]; then
  new=()
  for f in "${left[@]}"; do grep -qxF -- "$f" "$list" || new+=("$f"); done
  ((${#left[@]} > ${#new[@]})) && echo "check_leftovers: $((${#left[@]} - ${#new[@]})) older files in $tmp, from before this run"
  left=("${new[@]}")
fi
if ((${#left[@]})); then
  echo "check_leftovers: ${#left[@]} files or empty folders left behind in $tmp by processes that are gone:" >&2
  printf '  %s\n' "${left[@]:0:20}" >&2
  exit 1
fi
echo "check_leftovers: no ring, perf map, spool or inbox file and no empty folder of ours left in $tmp"
