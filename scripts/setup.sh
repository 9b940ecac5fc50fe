#!/usr/bin/env bash
# Installs what lambdascope needs to build, test and benchmark on Debian 12. Safe to rerun: it only asks apt for
# packages that are missing and only runs npm when package-lock.json changed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev clang-format
  zlib1g-dev libdeflate-dev libprotobuf-dev protobuf-compiler libsimdjson-dev libcli11-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libelf-dev libdw-dev libcurl4-openssl-dev libcpp-httplib-dev libssl-dev libexpat1-dev
  awscli curl prometheus
  golang-go hyperfine python3 gzip time
  chromium fonts-dejavu-core
  autoconf automake libtool unzip zip
  binutils libgoogle-perftools4 linux-perf
  libffi-dev libbz2-dev liblzma-dev
  openjdk-17-jdk-headless
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages: esbuild for the web UI, playwright-core for browser tests, benchmark peers, and AWS's Node.js
# runtime interface client (built from source: needs autoconf/automake/libtool). The stamp makes reruns free.
# A finished install is kept outside the clone, keyed by the lock file and node's version, like CPython below:
# a fresh clone (CI) copies it in a second instead of spending minutes in `npm ci` (most of them compiling
# aws-lambda-ric's curl and C++ runtime client). Nothing in it names the folder it was installed in.
if [ -f package.json ]; then
  stamp=node_modules/.lambdascope-stamp
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
    key=$(cat package.json package-lock.json | sha256sum | cut -c1-16)-node-$(node --version)-$(uname -m)
    kept_root=${LAMBDASCOPE_NODE_MODULES_CACHE:-$HOME/.cache/lambdascope/node_modules}
    kept=$kept_root/$key
    if mkdir -p "$kept_root" 2>/dev/null && exec 8>"$kept_root/.lock"; then
      flock 8
    else
      kept=""  # nowhere to keep it: install, as before
    fi
    if [ -n "$kept" ] && [ -f "$kept/.lambdascope-stamp" ]; then
      rm -rf node_modules
      cp -a "$kept" node_modules
      touch "$stamp"  # the copy keeps the kept stamp's time, older than this clone's lock file
    else
      npm ci --no-audit --no-fund --loglevel=error
      touch "$stamp"
      if [ -n "$kept" ]; then
        # Only the newest install is kept. A copy becomes "$kept" only once it is whole.
        find "$kept_root" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
        if ! { cp -a node_modules "$kept.partial" && mv -T "$kept.partial" "$kept"; }; then
          rm -rf "$kept.partial"
        fi
      fi
    fi
    [ -z "$kept" ] || exec 8>&-
  fi
fi
# CPython 3.13 (Lambda's python3.13; Debian 12 has 3.11) for the Python tests, built once outside the clone
# (~/.cache/lambdascope/cpython-3.13): slow the first time, a no-op afterwards. Without it the Python tests fail.
if ! bash scripts/build_cpython.sh >/dev/null; then
  echo "setup: CPython 3.13 could not be built (scripts/build_cpython.sh): the Python tests will fail" >&2
fi
# simdjson and cpp-httplib from Debian's source packages, linked statically so the Lambda layer's binary needs no
# shared C++ runtime (cmake/static_cxx_libraries.cmake). Without them everything builds and runs here, but
# `lambdascope layer` refuses to pack that binary (and `make demo` and the layer tests fail at that step): say
# so now, once, instead of leaving a warning to scroll by.
if ! bash scripts/fetch_debian_sources.sh; then
  echo "setup: the Debian sources of simdjson and cpp-httplib could not be fetched: this build links their" \
    "shared libraries, and \`lambdascope layer\` (make demo, the layer tests) will fail with an error until" \
    "scripts/fetch_debian_sources.sh succeeds (rerun make setup when the network is back)" >&2
  echo "setup: ok, except the Lambda layer"
  exit 0
fi
echo "setup: ok"
