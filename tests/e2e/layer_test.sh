#!/usr/bin/env bash
# `lambdascope layer`: the zip is read back by Python's zipfile and Debian's unzip, has the decided layout and
# modes, its binary runs from the unzipped layer with nothing but its RPATH to find its libraries, the unzipped
# layer profiles a function in `local`, and every ELF in it would load on Amazon Linux 2023 (glibc 2.34): no
# GLIBC_2.35+ symbol version, no shared libstdc++.
set -euo pipefail
: "${LS_BINARY:?run through ctest}" "${LS_SOURCE_DIR:?run through ctest}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=lib/check.sh
. "$(dirname "$0")/lib/check.sh"

"$LS_BINARY" layer -o "$tmp/layer.zip" 2>"$tmp/layer.log" || { cat "$tmp/layer.log"; fail "layer exited non-zero"; }
cat "$tmp/layer.log"
[ -s "$tmp/layer.zip" ] || fail "no zip written"

# Bad output path: clear error, exit 1 (the exception reached the command's handler: C++ unwinding works in
# this binary), nothing left behind.
rc=0
"$LS_BINARY" layer -o "$tmp/missing-dir/layer.zip" 2>"$tmp/bad.log" || rc=$?
((rc == 1)) || fail "layer into a missing folder: exit $rc, expected 1: $(cat "$tmp/bad.log")"
[ ! -e "$tmp/missing-dir" ] || fail "a missing output folder was created"
grep -q "^lambdascope: .*missing-dir" "$tmp/bad.log" || fail "the error names the output: $(cat "$tmp/bad.log")"

# The archive as a reader sees it: CRCs, names, Unix modes, no symlinks, the size limits Lambda enforces.
python3 - "$tmp/layer.zip" <<'PY'
import stat, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
assert bad is None, f"CRC mismatch in {bad}"
files = {i.filename: i for i in z.infolist() if not i.is_dir()}
def mode(i): return i.external_attr >> 16
executables = ["extensions/lambdascope", "lambdascope-wrapper", "lambdascope/bin/lambdascope"]
for name in executables + ["lib/liblambdascope-agent.so"]:
    assert name in files, f"{name} is in the layer: {sorted(files)}"
for name in executables:
    assert stat.S_IMODE(mode(files[name])) == 0o755, f"{name} is 0755: {oct(mode(files[name]))}"
for name, i in files.items():
    assert stat.S_ISREG(mode(i)), f"{name} is a regular file (symlinks resolved): {oct(mode(i))}"
    assert i.file_size > 0, f"{name} is not empty"
    top = name.split("/")[0]
    assert top in ("extensions", "lib", "lambdascope", "lambdascope-wrapper"), f"unexpected entry {name}"
assert [n for n in files if n.startswith("lib/")] == ["lib/liblambdascope-agent.so"], \
    "only the agent goes to /opt/lib (on the function's LD_LIBRARY_PATH)"
assert [n for n in files if n.startswith("extensions/")] == ["extensions/lambdascope"], "one extension"
libs = [n for n in files if n.startswith("lambdascope/lib/")]
assert libs, "the binary's shared libraries are bundled"
zipped = sum(i.compress_size for i in files.values())
unzipped = sum(i.file_size for i in files.values())
assert zipped < 50e6, f"zip under Lambda's 50 MB direct-upload limit: {zipped}"
assert unzipped < 250e6, f"unzipped under Lambda's 250 MB limit: {unzipped}"
print(f"zip: {len(files)} files, {zipped/1e6:.1f} MB zipped, {unzipped/1e6:.1f} MB unzipped; bundled: "
      + " ".join(n.split("/")[-1] for n in sorted(libs)))
PY

unzip -l "$tmp/layer.zip" >"$tmp/list.txt" || fail "unzip -l cannot read the zip"
opt=$tmp/opt
mkdir "$opt"
unzip -q "$tmp/layer.zip" -d "$opt" || fail "unzip cannot extract the zip"
for f in extensions/lambdascope lambdascope-wrapper lambdascope/bin/lambdascope; do
  [ -x "$opt/$f" ] && [ ! -L "$opt/$f" ] || fail "$f is an executable file after unzip"
done
[ -z "$(find "$opt" -type l)" ] || fail "symlinks in the layer: $(find "$opt" -type l)"

# Every library the build's binary needs (except glibc's) is bundled under its soname.
glibc_re='^(linux-vdso|ld-linux|libc\.so|libm\.so|libmvec\.so|libpthread\.so|libdl\.so|librt\.so|libresolv\.so|libutil\.so|libanl\.so|libnss_|libthread_db\.so|libnsl\.so)'
ldd "$LS_BINARY" | awk '/=>/ {print $1}' | grep -Ev "$glibc_re" | grep -Ev '^lib(stdc\+\+|gcc_s)\.so' |
  while read -r soname; do
    [ -f "$opt/lambdascope/lib/$soname" ] || fail "$soname (needed by the binary) is not in lambdascope/lib"
  done

# The unzipped binary finds its libraries through its RPATH only: every non-glibc library resolves inside
# the layer, even though this machine has the same libraries in its system folders.
readelf -d "$opt/lambdascope/bin/lambdascope" | grep -E '\((RPATH|RUNPATH)\)' >"$tmp/rpath.txt" || fail "no RPATH"
grep -q '(RPATH).*\[\$ORIGIN/../lib\]' "$tmp/rpath.txt" ||
  fail "DT_RPATH \$ORIGIN/../lib (not RUNPATH, which does not serve the libraries' own dependencies): $(cat "$tmp/rpath.txt")"
env -i ldd "$opt/lambdascope/bin/lambdascope" >"$tmp/ldd.txt"
while read -r soname _ path _; do
  [[ $soname =~ $glibc_re ]] && continue
  [[ $soname =~ ^lib(stdc\+\+|gcc_s)\.so ]] && continue  # not bundled: the portability check below fails on it
  [[ $(realpath -s "$path") == "$opt/lambdascope/lib/$soname" ]] ||
    fail "$soname resolves to $path, not to the layer's lambdascope/lib"
done < <(grep '=>' "$tmp/ldd.txt")
env -i LD_LIBRARY_PATH= "$opt/lambdascope/bin/lambdascope" --help >"$tmp/help.txt" 2>&1 ||
  fail "lambdascope --help from the layer: $(cat "$tmp/help.txt")"
grep -q "layer" "$tmp/help.txt" || fail "--help lists the commands"
env -i "$opt/lambdascope/bin/lambdascope" layer --help >/dev/null || fail "the layer's binary runs a command"
# The layer's binary (static C++ runtime, its own _dl_find_object for the unwinder) catches its exceptions.
rc=0
env -i "$opt/lambdascope/bin/lambdascope" collapse "$tmp/no-such-file" >/dev/null 2>"$tmp/throw.log" || rc=$?
((rc == 2)) && grep -q "^lambdascope: .*no-such-file" "$tmp/throw.log" ||
  fail "an error in the layer's binary: exit $rc, expected 2 and a message: $(cat "$tmp/throw.log")"

# The wrapper preloads the layer's agent and runs its arguments unchanged (as Lambda runs the runtime).
out=$(env -i PATH=/usr/bin:/bin LAMBDASCOPE_RING_DIR="$tmp/rings" "$opt/lambdascope-wrapper" /bin/sh -c 'printf "%s|%s" "$LD_PRELOAD" "$1"' sh 'a b') ||
  fail "the wrapper failed"
[[ $out == "$opt/lib/liblambdascope-agent.so|a b" ]] || fail "wrapper: LD_PRELOAD and arguments: $out"
# The launcher runs ../lambdascope/bin/lambdascope extension, whatever folder the layer is in.
mkdir -p "$tmp/fake/extensions" "$tmp/fake/lambdascope/bin"
cp "$opt/extensions/lambdascope" "$tmp/fake/extensions/"
printf '#!/bin/sh\necho "$@"\n' >"$tmp/fake/lambdascope/bin/lambdascope"
chmod 755 "$tmp/fake/lambdascope/bin/lambdascope"
[[ $(env -i "$tmp/fake/extensions/lambdascope") == "extension --name lambdascope" ]] ||
  fail "the launcher runs 'lambdascope extension --name lambdascope'"

# The stripped agent from the layer samples, and the layer's binary (its bundled libdw/libelf) symbolizes.
env -i PATH=/usr/bin:/bin LAMBDASCOPE_AGENT="$opt/lib/liblambdascope-agent.so" \
  "$opt/lambdascope/bin/lambdascope" record --quiet -o "$tmp/busy.folded" -- \
  /bin/sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done' 2>"$tmp/record.log" ||
  fail "record with the layer's agent: $(cat "$tmp/record.log")"
samples=$(awk '{s += $NF} END {print s + 0}' "$tmp/busy.folded")
((samples > 0)) || fail "no samples from the layer's agent"

# The unzipped layer in a Lambda environment: its extension (the layer's binary) and its wrapper profile the
# Node.js sample; one init profile and one per invocation are stored.
if ! (cd "$tmp" && env -u LD_LIBRARY_PATH "$LS_BINARY" local --function "$LS_SOURCE_DIR/examples/functions/node-hello" \
  --events "$LS_SOURCE_DIR/examples/functions/node-hello/events.jsonl" --invocations 3 \
  --extensions "$opt/extensions" --env AWS_LAMBDA_EXEC_WRAPPER="$opt/lambdascope-wrapper" \
  --env LAMBDASCOPE_DESTINATION="file://$tmp/data" --env LAMBDASCOPE_SPOOL_DIR="$tmp/spool" \
  --env LAMBDASCOPE_RING_DIR="$tmp/rings-local" >"$tmp/local.out" 2>"$tmp/local.log"); then
  tail -20 "$tmp/local.log" >&2
  fail "lambdascope local with the unzipped layer"
fi
grep -q '^\[lambdascope\] SHUTDOWN' "$tmp/local.log" || fail "the layer's extension ran: $(tail -5 "$tmp/local.log")"
invokes=$(find "$tmp/data" -name '*_invoke_*.pb.gz' | wc -l)
inits=$(find "$tmp/data" -name '*_init_*.pb.gz' | wc -l)
((invokes == 3 && inits == 1)) || fail "3 invoke profiles and 1 init profile from the layer, got $invokes and $inits"

# Amazon Linux 2023 has glibc 2.34: no ELF may require a newer symbol version, or the shared C++ runtime
# (Debian's libstdc++ itself requires GLIBC_2.36).
problems=0
while IFS= read -r -d '' f; do
  head -c 4 "$f" | grep -q $'\x7fELF' || continue
  name=${f#"$opt/"}
  und=$(objdump -T "$f" | awk '/\*UND\*/' | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 || true)
  refs=$(objdump -p "$f" | awk '/Version References/,0' | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 || true)
  needed=$(objdump -p "$f" | awk '$1 == "NEEDED" {print $2}' | tr '\n' ' ')
  printf '  %-45s symbols %-12s references %-12s\n' "$name" "${und:-none}" "${refs:-none}"
  for v in $und $refs; do
    if [ "$(printf '%s\nGLIBC_2.34\n' "$v" | sort -V | tail -1)" != GLIBC_2.34 ]; then
      echo "FAIL: $name requires $v (newer than Amazon Linux 2023's glibc 2.34)" >&2
      problems=$((problems + 1))
    fi
  done
  if [[ " $needed" =~ \ lib(stdc\+\+|gcc_s)\.so ]]; then
    echo "FAIL: $name needs the shared C++ runtime: $needed" >&2
    problems=$((problems + 1))
  fi
done < <(find "$opt" -type f -print0)
((problems == 0)) || fail "$problems portability problems (see above)"
echo "layer_test: ok"
