#!/usr/bin/env bash
# A Python 3.13 program under `record --python` (PYTHONPERFSUPPORT=1: CPython's perf trampolines and perf
# map): main -> middle -> burn_hot, a fixed amount of work (not a fixed time, so a busy machine does not change
# the shares). The stacks must be unwound through the trampolines and the interpreter (which keeps no frame
# pointer) and read as Python: the innermost named frame of at least 90% of the samples is a Python frame
# `name (app.py)`, and burn_hot's samples have middle and main above it. With --python-interpreter-frames the
# interpreter's own C frames stay between them.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
# shellcheck source=lib/cpython.sh
. "$LS_SOURCE_DIR/tests/e2e/lib/cpython.sh"
python=$(cpython313)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/app.py" <<'PY'
def burn_hot(n):
    x = 0
    for i in range(n):
        x = (x * 31 + i) % 1000003
    return x


def middle(n):
    return burn_hot(n)


def main():
    total = 0
    for _ in range(60):
        total += middle(200000)
    print("ok" if total > 0 else "bad")


main()
PY

for variant in collapsed all; do
  extra=()
  [ "$variant" = all ] && extra=(--python-interpreter-frames)
  out=$("$LS_BINARY" record --python "${extra[@]}" --hz 499 -o "$tmp/$variant.folded" -- "$python" "$tmp/app.py" \
    2>"$tmp/$variant.err") || { cat "$tmp/$variant.err"; exit 1; }
  [ "$out" = "ok" ] || { echo "FAIL: program output changed: $out"; exit 1; }
done

python3 - "$tmp" <<'PY'
import re, sys
tmp = sys.argv[1]

def read(variant):
    rows = []
    for line in open(f"{tmp}/{variant}.folded"):
        stack, _, weight = line.rstrip("\n").rpartition(" ")
        rows.append((stack.split(";"), int(weight)))
    return rows

def fail(what, rows):
    print("FAIL:", what)
    for stack, w in sorted(rows, key=lambda r: -r[1])[:8]:
        print(f"  {w:5d} {';'.join(stack[-8:])}")
    print(open(f"{tmp}/collapsed.err").read()[-2000:])
    sys.exit(1)

python_frame = re.compile(r"^.+ \(app\.py\)$")
named = lambda f: not f.startswith("[")

rows = read("collapsed")
total = sum(w for _, w in rows)  # CPU nanoseconds
samples = int(re.search(r"\((\d+) samples\)", open(f"{tmp}/collapsed.err").read()).group(1))
if samples < 100:
    fail(f"{samples} samples", rows)
innermost_python = sum(w for s, w in rows if any(named(f) for f in s) and
                       python_frame.match([f for f in s if named(f)][-1]))
hot = [(s, w) for s, w in rows if s[-1] == "burn_hot (app.py)"]
hot_w = sum(w for _, w in hot)
chained = sum(w for s, w in hot if s[-3:] == ["main (app.py)", "middle (app.py)", "burn_hot (app.py)"])
# Complete to the C entry (libc starting main): unwound through every trampoline and the interpreter.
rooted = sum(w for s, w in hot if "__libc_start_main" in s)
print(f"{samples} samples; innermost named frame a Python frame: {100 * innermost_python / total:.1f}%; "
      f"burn_hot: {100 * hot_w / total:.1f}%, {100 * chained / max(hot_w, 1):.1f}% of them under middle and main, "
      f"{100 * rooted / max(hot_w, 1):.1f}% under __libc_start_main")
if innermost_python < 0.9 * total:
    fail("the innermost named frame is a Python frame in at least 90% of the samples", rows)
if hot_w < 0.5 * total:
    fail("burn_hot (app.py) is the leaf of most samples", rows)
if chained < 0.9 * hot_w:
    fail("burn_hot's samples have middle (app.py) and main (app.py) directly above it", rows)
if rooted < 0.9 * hot_w:
    fail("burn_hot's stacks reach __libc_start_main", rows)
if any(f.startswith("py::") for s, _ in rows for f in s):
    fail("no raw py:: perf-map names", rows)

# The switch: the interpreter's C frames stay (the evaluation loop below and between the Python frames).
rows = read("all")
hot = [(s, w) for s, w in rows if "burn_hot (app.py)" in s]
# A sample whose stack lost middle (cut short) counts against the share; it does not stop the check.
between = sum(w for s, w in hot if "middle (app.py)" in s
              and "_PyEval_EvalFrameDefault" in s[s.index("middle (app.py)"):s.index("burn_hot (app.py)")]
              and "_PyEval_EvalFrameDefault" in s[s.index("burn_hot (app.py)"):])
if between < 0.9 * sum(w for _, w in hot):
    fail("--python-interpreter-frames keeps _PyEval_EvalFrameDefault between and below the Python frames", rows)
print("ok: --python-interpreter-frames keeps the interpreter's frames")
PY
# --python turned the perf map on, so record removes the maps it caused.
for pid in $(grep -oh "pid [0-9]*" "$tmp"/*.err | awk '{print $2}' | sort -u); do
  [ ! -e "/tmp/perf-$pid.map" ] || { echo "FAIL: /tmp/perf-$pid.map left behind"; exit 1; }
done
echo ok
