#!/usr/bin/env bash
# Builds CPython 3.13 once, for the Python tests (Lambda's python3.12/3.13 runtimes; Debian 12 ships 3.11 only).
# The upstream source comes from Debian's python3.13 *source* package of the next release (trixie), fetched through
# a private deb-src list like scripts/fetch_debian_sources.sh (the system's apt configuration is not touched);
# only the orig tarball is used: a plain `./configure && make -j2`, no PGO/LTO, perf trampolines on (the default on
# x86-64 Linux). The result lives outside the clone, so fresh clones and CI reuse it:
#   ${LAMBDASCOPE_CPYTHON_DIR:-~/.cache/lambdascope/cpython-3.13}/bin/python3.13, with a stamp; reruns are no-ops.
# Prints the interpreter's path last on success; exits 1 with the reason otherwise (the Python tests then fail).
set -euo pipefail
dest=${LAMBDASCOPE_CPYTHON_DIR:-$HOME/.cache/lambdascope/cpython-3.13}
release=trixie
stamp_text="python3.13 from Debian $release, configure --prefix=$dest --without-ensurepip, perf trampoline"
# One build at a time (tests started in parallel on a fresh clone wait for the first one's build).
mkdir -p "$(dirname "$dest")"
exec 9>"$dest.lock"
flock 9
if [ -f "$dest/stamp" ] && [ "$(cat "$dest/stamp")" = "$stamp_text" ] && [ -x "$dest/bin/python3.13" ]; then
  echo "$dest/bin/python3.13"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
echo "deb-src http://deb.debian.org/debian $release main" >"$work/sources.list"
apt_opts=(-q -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
if ! apt-get "${apt_opts[@]}" update >"$work/apt.log" 2>&1 ||
  ! (cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only python3.13 >>"$work/apt.log" 2>&1); then
  tail -5 "$work/apt.log" >&2
  echo "build_cpython: could not fetch Debian $release's python3.13 source package" >&2
  exit 1
fi
orig=$(ls "$work"/src/python3.13_*.orig.tar.* | head -1)
tar -xf "$orig" -C "$work/src"
srcdir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'Python-3.13*' | head -1)
[ -n "$srcdir" ] || { echo "build_cpython: no Python-3.13* directory in $orig" >&2; exit 1; }

log=$work/build.log
echo "build_cpython: building $(basename "$srcdir") into $dest (a few minutes on 2 cores; log kept on failure)" >&2
rm -rf "$dest"
mkdir -p "$dest"
if ! (cd "$srcdir" && ./configure --prefix="$dest" --without-ensurepip >"$log" 2>&1 &&
  make -j2 >>"$log" 2>&1 && make install >>"$log" 2>&1); then
  tail -20 "$log" >&2
  cp "$log" "$dest.failed.log" 2>/dev/null || true
  rm -rf "$dest"
  echo "build_cpython: the CPython build failed (log: $dest.failed.log)" >&2
  exit 1
fi
grep -q '^#define PY_HAVE_PERF_TRAMPOLINE 1' "$dest"/include/python3.13/pyconfig.h ||
  { rm -rf "$dest"; echo "build_cpython: this CPython was built without perf trampolines" >&2; exit 1; }
echo "$stamp_text" >"$dest/stamp"
echo "$dest/bin/python3.13"
