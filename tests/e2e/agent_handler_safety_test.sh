#!/usr/bin/env bash
# The code reachable from the agent's signal handlers (the sampling handler and the fault guard) must call no
# libc function outside a short async-signal-safe list: no malloc, locks, stdio, dl* or anything that may
# take them. Checked on the built library with objdump, following direct calls and tail jumps (as ddprof's
# check_for_unsafe_libc_functions.py does). Indirect calls are reported; the only expected ones are the fault
# guard chaining to the program's previous SIGSEGV handler, the Java walk calling the JVM's
# AsyncGetCallTrace (jvm_walk), HotSpot's entry made for signal handlers, and the clock read (real::clock_ns)
# calling the C library's own clock_gettime, looked up in libc so that no interposer of the name runs here.
set -euo pipefail
build=$(dirname "$(dirname "${LS_BINARY:?run through ctest}")")
lib="$build/src/liblambdascope-agent.so"
[ -f "$lib" ] || { echo "missing $lib"; exit 1; }

analyze() {
  python3 - "$@" <<'PY'
import re, sys
# Async-signal-safe per POSIX (signal-safety(7)) or plain memory functions; nothing else may be reached.
# Not clock_gettime: through the PLT it reaches whoever interposes the name (AddressSanitizer, libfaketime).
ALLOWED = {"__errno_location", "memcpy", "memset", "memmove"}
ROOTS = [r"14sample_handlerEiP9siginfo_tPv$", r"13fault_handlerEiP9siginfo_tPv$"]
text = open(sys.argv[1]).read()
funcs, current = {}, None
for line in text.splitlines():
    m = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
    if m:
        current = m.group(2)
        funcs[current] = {"calls": set(), "indirect": 0}
        continue
    if current is None:
        continue
    m = re.search(r"\t(call|j[a-z]+)\s+[0-9a-f]+ <([^>+]+)>", line)
    if m and m.group(2) != current:
        funcs[current]["calls"].add(m.group(2))
    elif re.search(r"\tcall\s+\*", line):
        funcs[current]["indirect"] += 1
roots = [f for f in funcs if any(re.search(r, f) for r in ROOTS)]
if len(roots) != 2:
    print("expected the two handlers, found:", roots)
    sys.exit(1)
seen, stack, bad, indirect = set(), list(roots), [], []
while stack:
    f = stack.pop()
    if f in seen:
        continue
    seen.add(f)
    if f.endswith("@plt"):
        name = f[:-4]
        if name not in ALLOWED:
            bad.append(name)
        continue
    info = funcs.get(f)
    if info is None:
        bad.append(f + " (not in this library)")
        continue
    if info["indirect"]:
        indirect.append(f)
    stack.extend(info["calls"])
print("reachable from the handlers: %d functions; libc calls: %s" %
      (len(seen), sorted(x[:-4] for x in seen if x.endswith("@plt"))))
if indirect:
    print("indirect calls in:", sorted(indirect))
if bad:
    print("UNSAFE calls reachable from a signal handler:", sorted(set(bad)))
    sys.exit(1)
if any("fault_handler" not in f and "8jvm_walk" not in f and "4real8clock_ns" not in f for f in indirect):
    print("unexpected indirect call reachable from a handler")
    sys.exit(1)
PY
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The check itself must catch a handler reaching malloc through another function.
cat > "$tmp/bad.txt" <<'TXT'
0000000000001000 <_ZN11lambdascope5agent14sample_handlerEiP9siginfo_tPv>:
    1000:	call   2000 <helper>
0000000000001100 <_ZN11lambdascope5agent12_GLOBAL__N_113fault_handlerEiP9siginfo_tPv>:
    1100:	ret
0000000000002000 <helper>:
    2000:	jmp    3000 <malloc@plt>
TXT
if analyze "$tmp/bad.txt" > "$tmp/bad.out"; then
  echo "self-test failed: malloc reachable from the handler was not reported"; cat "$tmp/bad.out"; exit 1
fi
grep -q "UNSAFE calls reachable from a signal handler: \['malloc'\]" "$tmp/bad.out"

objdump -d --no-show-raw-insn "$lib" > "$tmp/lib.txt"
analyze "$tmp/lib.txt" | tee "$tmp/lib.out"
# The Java walk is reached from the sampling handler (so its code is checked above).
grep -q "indirect calls in:.*8jvm_walk" "$tmp/lib.out" || { echo "jvm_walk is not reachable from the handler"; exit 1; }
# The handler reads its clock through libc's own function.
grep -q "indirect calls in:.*4real8clock_ns" "$tmp/lib.out" || { echo "the handler does not read the clock through real::clock_ns"; exit 1; }
echo "ok"
