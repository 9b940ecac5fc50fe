#!/usr/bin/env bash
# Fetches the Debian *source* packages of the two C++ libraries Debian ships only as shared libraries
# (simdjson, cpp-httplib), so that the build can link them statically: the lambdascope binary in the Lambda
# layer must not need the shared C++ runtime (Debian's libstdc++.so.6 requires glibc 2.36, Amazon Linux 2023
# has 2.34; libcpp-httplib.so also needs GLIBCXX_3.4.30, which AL2023's GCC 11 runtime lacks).
#
# The exact versions installed (libsimdjson-dev, libcpp-httplib-dev) are fetched with apt-get from a private
# deb-src list (the system's apt configuration is not touched), Debian's patches applied, and the result is
# kept only if its headers are byte-identical to the installed ones, so the static code is the code the
# headers describe. Output: .cache/debian-src/{simdjson.cpp, httplib.cc} and a stamp; cmake/
# static_cxx_libraries.cmake uses them when present. Safe to rerun; without network it says so, exits 1, and
# the build links the shared libraries (then `lambdascope layer` refuses to pack the binary).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/.cache/debian-src
simdjson_version=$(dpkg-query -W -f='${Version}' libsimdjson-dev)
httplib_version=$(dpkg-query -W -f='${Version}' libcpp-httplib-dev)
stamp="simdjson $simdjson_version, cpp-httplib $httplib_version"
if [ -f "$dest/stamp" ] && [ "$(cat "$dest/stamp")" = "$stamp" ]; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
cat >"$work/sources.list" <<LIST
deb-src http://deb.debian.org/debian $codename main
deb-src http://deb.debian.org/debian $codename-updates main
deb-src http://deb.debian.org/debian-security $codename-security main
LIST
apt_opts=(-q -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
if ! apt-get "${apt_opts[@]}" update >"$work/apt.log" 2>&1 ||
  ! (cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only \
    "simdjson=$simdjson_version" "cpp-httplib=$httplib_version" >>"$work/apt.log" 2>&1); then
  tail -5 "$work/apt.log" >&2
  echo "fetch_debian_sources: could not fetch the sources of simdjson $simdjson_version and cpp-httplib" \
    "$httplib_version; the build will link their shared libraries, and \`lambdascope layer\` will refuse it" >&2
  exit 1
fi

# Unpack with Debian's patches applied (dpkg-source does what the package build does).
(cd "$work/src" && dpkg-source --no-check -x simdjson_*.dsc simdjson >/dev/null &&
  dpkg-source --no-check -x cpp-httplib_*.dsc cpp-httplib >/dev/null)

mkdir -p "$work/out"
cmp -s "$work/src/simdjson/singleheader/simdjson.h" /usr/include/simdjson.h ||
  { echo "fetch_debian_sources: simdjson's source header differs from /usr/include/simdjson.h" >&2; exit 1; }
cp "$work/src/simdjson/singleheader/simdjson.cpp" "$work/out/simdjson.cpp"
# Debian builds libcpp-httplib by splitting the header-only httplib.h into httplib.h + httplib.cc.
(cd "$work/src/cpp-httplib" && python3 ./split.py -o "$work/split" >/dev/null)
cmp -s "$work/split/httplib.h" /usr/include/httplib.h ||
  { echo "fetch_debian_sources: cpp-httplib's split header differs from /usr/include/httplib.h" >&2; exit 1; }
cp "$work/split/httplib.cc" "$work/out/httplib.cc"
# The defines Debian compiled the library with (debian/rules adds CPPHTTPLIB_USE_POLL to the pkg-config ones).
grep -o -- '-DCPPHTTPLIB_[A-Z_]*' "$work/src/cpp-httplib/debian/rules" | sort -u >"$work/out/httplib.defines" || true

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$work/out" "$dest"
echo "$stamp" >"$dest/stamp"
echo "fetch_debian_sources: $stamp in $dest"
