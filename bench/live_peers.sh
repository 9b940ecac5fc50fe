#!/usr/bin/env bash
# `make bench` section for `record --listen` (issue 14's targets): (1) the profiled program's own time without
# --listen and with --listen plus a scrape of /metrics every second (target: within 1%); (2) a Node.js program
# under `record --node --listen` for two minutes, scraped every second: series count and RSS at the end, beside
# promfiler (npm) when it installs here. Prints markdown on stdout.
#
# Rounds are interleaved (both configurations once per round) and the median is reported, so load from other
# processes spreads over both instead of biasing one. The program reports its own wall and CPU time, so
# record's start-up and symbolization at exit are not counted.
# Environment: LS_BENCH_ROUNDS (default 7), LS_BENCH_LIVE_SECONDS (default 120, the Node.js run).
set -euo pipefail
build=${1:-build}
bin="$build/src/lambdascope"
[ -x "$bin" ] || { echo "missing $bin (build first)" >&2; exit 1; }
bin=$(realpath "$bin")
tmp=$(mktemp -d /tmp/lambdascope-bench-live.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Fixed work in a few named functions; prints "wall_s cpu_s" of the work alone.
cat >"$tmp/work.c" <<'C'
#include <stdint.h>
#include <stdio.h>
#include <time.h>
static double now(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec + t.tv_nsec / 1e9; }
__attribute__((noinline)) static uint64_t mix(uint64_t x, long n) {
  for (long i = 0; i < n; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL, x ^= x >> 29;
  return x;
}
__attribute__((noinline)) static uint64_t hot(uint64_t x) { return mix(x, 3000000); }
__attribute__((noinline)) static uint64_t cold(uint64_t x) { return mix(x, 1000000); }
int main(void) {
  double w = now(CLOCK_MONOTONIC), c = now(CLOCK_PROCESS_CPUTIME_ID);
  uint64_t x = 1;
  for (int i = 0; i < 400; i++) x = hot(x) + cold(x);
  printf("%.4f %.4f %llu\n", now(CLOCK_MONOTONIC) - w, now(CLOCK_PROCESS_CPUTIME_ID) - c, (unsigned long long)x & 1);
  return 0;
}
C
cc -O2 -g -o "$tmp/work" "$tmp/work.c"

cat >"$tmp/loop.js" <<'JS'
// A CPU-bound loop through a few named functions, for argv[2] seconds.
let sink = 0;
function lcg(x, n) { for (let i = 0; i < n; i++) x = (x * 1103515245 + 12345) % 2147483647; return x; }
function parseLike(x) { return lcg(x, 300000); }
function renderLike(x) { return lcg(x, 200000); }
function hashLike(x) { return lcg(x, 100000); }
const end = Date.now() + Number(process.argv[2]) * 1000;
while (Date.now() < end) sink = hashLike(renderLike(parseLike(sink)));
console.log(sink >= 0 ? "done" : "");
JS

python3 - "$bin" "$tmp" "${LS_BENCH_ROUNDS:-7}" "${LS_BENCH_LIVE_SECONDS:-120}" <<'PY'
import os, re, statistics, subprocess, sys, threading, time, urllib.request

bin, tmp, rounds, live_seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def start_listening(args):
    """Starts record --listen 0 with args in tmp (node leaves its V8 logs in the working directory); returns
    the process and the URL it printed on stderr."""
    p = subprocess.Popen([bin, "record", "-q", "--listen", "127.0.0.1:0"] + args, cwd=tmp,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        m = re.search(r"serving (http://127\.0\.0\.1:\d+)/", line)
        if m:
            threading.Thread(target=p.stderr.read, daemon=True).start()  # drain the rest
            return p, m.group(1)
    raise SystemExit("record --listen printed no address (exit %s)" % p.wait())

def scrape_every_second(p, url, last):
    while p.poll() is None:
        try:
            last[0] = urllib.request.urlopen(url + "/metrics", timeout=30).read().decode()
        except OSError:
            pass  # the command exited between poll() and the request
        time.sleep(1)

def run_program(listen):
    out = os.path.join(tmp, "out.pb.gz")
    args = ["-o", out, "--", os.path.join(tmp, "work")]
    if not listen:
        text = subprocess.run([bin, "record", "-q"] + args, capture_output=True, text=True, check=True).stdout
    else:
        p, url = start_listening(args)
        scraper = threading.Thread(target=scrape_every_second, args=(p, url, [None]))
        scraper.start()
        text = p.stdout.read()
        if p.wait() != 0:
            raise SystemExit("record --listen exited with %d" % p.returncode)
        scraper.join()
    wall, cpu, _ = text.split()
    return float(wall), float(cpu)

times = {False: [], True: []}
for _ in range(rounds):
    for listen in (False, True):
        times[listen].append(run_program(listen))

def median(listen, i):
    return statistics.median(t[i] for t in times[listen])

load = os.getloadavg()[0]
print("## Live export overhead and memory (`bench/live_peers.sh`)")
print()
print("The same single-threaded C program (fixed work in three named functions) under `record` (99 Hz)")
print("without and with `--listen` plus a scrape of `/metrics` every second, %d interleaved rounds, medians of the"
      % rounds)
print("time the program measures itself (load average %.1f on %d cores when the rows were written):" % (load, os.cpu_count()))
print()
print("| | program wall time | program CPU time |")
print("|---|---:|---:|")
print("| `record` | %.3f s | %.3f s |" % (median(False, 0), median(False, 1)))
print("| `record --listen`, 1 s scrape | %.3f s | %.3f s |" % (median(True, 0), median(True, 1)))
rw, rc = median(True, 0) / median(False, 0), median(True, 1) / median(False, 1)
verdict = lambda r: "met" if r <= 1.01 else "not met"
print("| ratio | %.3f | %.3f |" % (rw, rc))
print()
print("Target: within 1%%. CPU time: %s (%.3f). Wall time: %s (%.3f), with the program waiting for a core %.0f%% of"
      % (verdict(rc), rc, verdict(rw), rw, 100 * (1 - median(False, 1) / median(False, 0))))
print("its wall time without `--listen` (so wall time also counts the server and the scraper competing for the cores).")
print()

# (2) A Node.js program for live_seconds under record --node --listen, scraped every second.
p, url = start_listening(["--node", "--listen-only", "--", "node", os.path.join(tmp, "loop.js"), str(live_seconds + 30)])
last = [None]
scraper = threading.Thread(target=scrape_every_second, args=(p, url, last))
scraper.start()
time.sleep(live_seconds)  # the measurement is "after N seconds", not a synchronisation
def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(next(l.split()[1] for l in f if l.startswith("VmRSS:")))
record_rss = rss_kb(p.pid)
children = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
node_rss = sum(rss_kb(int(c)) for c in children)
metrics = last[0] or ""
series = [l for l in metrics.splitlines() if l and not l.startswith("#")]
functions = sorted({m.group(1) for l in series for m in [re.search(r'function="([^"]*)"', l)] if m})
p.terminate()
scraper.join()
p.wait()

view = subprocess.run(["npm", "view", "promfiler", "version"], capture_output=True, text=True)
promfiler = view.stdout.strip() if view.returncode == 0 else None
why = next((l for l in view.stderr.splitlines() if "404" in l and "GET" in l), view.stderr.strip()[:200])
print("A Node.js 20 program (a CPU-bound loop through three named functions) under `record --node --listen"
      " --listen-only`")
print("for %d s with a scrape of `/metrics` every second:" % live_seconds)
print()
print("| tool | series in `/metrics` | RSS of the profiler | RSS of node |")
print("|---|---:|---:|---:|")
print("| lambdascope | %d (%d function series) | %.1f MB | %.1f MB |"
      % (len(series), len(functions), record_rss / 1024, node_rss / 1024))
if promfiler is None:
    print("| promfiler | not run: `npm view promfiler` fails here (%s) | | |" % why.replace("|", "/"))
else:
    print("| promfiler %s | not run: installs from npm but this script does not drive it yet | | |" % promfiler)
PY
