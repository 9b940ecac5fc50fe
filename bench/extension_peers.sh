#!/usr/bin/env bash
# `make bench` section for the Lambda extension: what lambdascope's extension and exec wrapper add to a
# function under `lambdascope local`, next to no extension and to a minimal extension (the test fixture
# `recorder`: registers, subscribes to telemetry, does nothing else), as platform.report shows it:
#   post-runtime extensions duration per invocation (`postRuntimeExtensionsDurationMs` of `local --json`),
#   init duration (cold start), invocation duration, and the extension's own peak memory (VmHWM, from its
#   SHUTDOWN log line). Node.js (aws-lambda-ric) and the C++ sample custom runtime. Rounds are interleaved and
#   per-invocation numbers pooled over rounds. Prints markdown on stdout.
# Targets (issue 5): post-runtime p50 < 1 ms and p99 < 5 ms, added init < 30 ms, extension RSS < 20 MB.
# Then, at the sizes people run (LS_BENCH_MEMORY, default 128 512 1769 MB; `local --memory` enforces Lambda's
# CPU share and memory through cgroups), Node.js without and with lambdascope: init duration, invocation
# duration, the extension's CPU time per invocation (from its SHUTDOWN line) and how long SHUTDOWN took.
# Then, per memory size (128, 1,024, 1,769 MB; issue 13): the node-wait function (30 ms of CPU, then 100 ms in
# Atomics.wait) with no profiler, with lambdascope's default (wall mode at the rate the wrapper picks from the
# memory size), with the old default (cpu, 99 Hz) and with wall mode's per-period sampler (no CPU timers):
# invocation duration, and the CPU the whole `local` run used (its children's rusage) beyond the run without
# a profiler, i.e. the agent's and the extension's CPU (plus their start-up), per second of the function's
# CPU share (memory / 1,769 vCPU x wall time).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/src/lambdascope"
for f in "$bin" "$build/src/liblambdascope-agent.so" "$build/tests/lambda/fixtures/recorder" \
  "$build/examples/functions/cpp-bootstrap/bootstrap"; do
  [ -e "$f" ] || { echo "missing $f (build first)" >&2; exit 1; }
done
rounds=${LS_BENCH_ROUNDS:-3}
invocations=${LS_BENCH_INVOCATIONS:-40}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LS_BINARY="$bin" LS_SOURCE_DIR="$root"
# shellcheck source=../tests/e2e/lib/lambda_layer.sh
. "$root/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
mkdir -p "$tmp/peer/extensions"
ln -s "$build/tests/lambda/fixtures/recorder" "$tmp/peer/extensions/recorder"
mkdir "$tmp/cpp-burn"
cp "$build/examples/functions/cpp-bootstrap/bootstrap" "$tmp/cpp-burn/sample"
printf '#!/bin/sh\nexec "$LAMBDASCOPE_WRAP" "$LAMBDA_TASK_ROOT/sample" "$@"\n' >"$tmp/cpp-burn/bootstrap"
chmod +x "$tmp/cpp-burn/bootstrap"
for i in $(seq 0 19); do printf '{"fn":"burn_r%02d","ms":50}\n' "$i"; done >"$tmp/node.jsonl"
for i in $(seq 0 19); do printf '{"action":"burn","fn":"burn_r%02d","ms":50}\n' "$i"; done >"$tmp/cpp.jsonl"

python3 - "$bin" "$root" "$tmp" "$rounds" "$invocations" <<'PY'
import glob, json, os, re, resource, shutil, statistics, subprocess, sys, time

bin, root, tmp, rounds, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
layer = f"{tmp}/layer"
node_fn = f"{root}/tests/lambda/fixtures/node-burn"
cpp_fn = f"{tmp}/cpp-burn"
wrapper = ["--env", f"AWS_LAMBDA_EXEC_WRAPPER={layer}/lambdascope-wrapper"]
ours = ["--extensions", f"{layer}/extensions"]
configs = [
    # (runtime, name, local flags)
    ("node", "no extension", []),
    ("node", "minimal extension (recorder)", ["--extensions", f"{tmp}/peer/extensions", "--env", f"LS_RECORDER_OUT={tmp}"]),
    ("node", "lambdascope extension only (no wrapper: no agent, no profiles)", ours),
    ("node", "lambdascope wrapper only (agent, JIT flags; no extension)", wrapper),
    ("node", "lambdascope, FLUSH=background", ours + wrapper),
    ("node", "lambdascope, FLUSH=invoke", ours + wrapper + ["--env", "LAMBDASCOPE_FLUSH=invoke"]),
    ("cpp", "no extension", ["--env", "LAMBDASCOPE_WRAP=env"]),
    ("cpp", "lambdascope, FLUSH=background", ours + ["--env", f"LAMBDASCOPE_WRAP={layer}/lambdascope-wrapper"]),
]

def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]

stats = {c[:2]: {"post": [], "dur": [], "init": [], "rss": [], "profiles": []} for c in configs}
for r in range(rounds):
    for runtime, name, flags in configs:
        run = f"{tmp}/run"
        shutil.rmtree(run, ignore_errors=True)
        os.makedirs(run)
        fn, events = (node_fn, f"{tmp}/node.jsonl") if runtime == "node" else (cpp_fn, f"{tmp}/cpp.jsonl")
        cmd = [bin, "local", "--function", fn, "--events", events, "--invocations", str(n), "--json",
               "--env", f"LAMBDASCOPE_SPOOL_DIR={run}/spool"] + flags
        p = subprocess.run(cmd, cwd=run, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"{runtime} / {name}: local failed\n{p.stderr[-2000:]}")
        results = [json.loads(l) for l in p.stdout.splitlines()]
        s = stats[(runtime, name)]
        s["post"] += [x["postRuntimeExtensionsDurationMs"] for x in results]
        s["dur"] += [x["durationMs"] for x in results]
        s["init"].append(results[0]["initDurationMs"])
        m = re.search(r"(\d+) profiles written.*peak memory ([\d.]+) MB", p.stderr)
        if m:
            s["profiles"].append(int(m.group(1)))
            s["rss"].append(float(m.group(2)))

print("## Lambda extension")
print()
print(f"`lambdascope local`, {n} invocations per run of a handler burning 50 ms of CPU, {rounds} interleaved rounds "
      f"(per-invocation numbers pooled; init and memory: median of the rounds). Node.js 20 through aws-lambda-ric "
      f"and the C++ sample custom runtime (its bootstrap execs the wrapper).")
print()
print("| runtime | configuration | post-runtime p50 | post-runtime p99 | duration p50 | init duration | extension peak RSS | profiles per run |")
print("|---|---|---|---|---|---|---|---|")
for runtime, name, _ in configs:
    s = stats[(runtime, name)]
    rss = f"{statistics.median(s['rss']):.1f} MB" if s["rss"] else "-"
    prof = f"{statistics.median(s['profiles']):.0f}" if s["profiles"] else "-"
    print(f"| {runtime} | {name} | {pct(s['post'], 50):.2f} ms | {pct(s['post'], 99):.2f} ms | "
          f"{pct(s['dur'], 50):.1f} ms | {statistics.median(s['init']):.1f} ms | {rss} | {prof} |")
print()
def run_cpu(cmd, cwd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return p, cpu

sys.path.insert(0, f"{root}/tests/e2e/lib")
import lambda_profiles as lp
wait_fn = f"{root}/tests/lambda/fixtures/node-wait"
with open(f"{tmp}/wait.jsonl", "w") as f:
    f.write('{"burn_ms":30,"wait_ms":100}\n')
sizes = (128, 1024, 1769)
modes = [("no profiler", []), ("lambdascope default (wall, rate from memory)", ours + wrapper),
         ("old default (cpu, 99 Hz)", ours + wrapper + ["--env", "LAMBDASCOPE_MODE=cpu", "--env", "LAMBDASCOPE_HZ=99"]),
         ("wall, per-period sampler (LAMBDASCOPE_WALL_TIMERS=0)", ours + wrapper + ["--env", "LAMBDASCOPE_WALL_TIMERS=0"])]
mem_stats = {(m, name): {"dur": [], "cpu": [], "wall": [], "samples": []} for m in sizes for name, _ in modes}
# The CPU per invocation is the difference between a run of n invocations and one of n_small, divided by the
# difference in invocations: the start-up of the runtime, the agent and the extension (reading node's
# symbols) cancels out, what remains is what every further invocation costs.
n_small = max(2, n // 4)
for r in range(rounds):
    for mb in sizes:
        for name, flags in modes:
            cpus = {}
            for count in (n_small, n):
                run = f"{tmp}/run"
                shutil.rmtree(run, ignore_errors=True)
                os.makedirs(run)
                cmd = [bin, "local", "--function", wait_fn, "--events", f"{tmp}/wait.jsonl", "--invocations",
                       str(count), "--memory", str(mb), "--json", "--env", f"LAMBDASCOPE_SPOOL_DIR={run}/spool"] + flags
                p, cpus[count] = run_cpu(cmd, run)
                if p.returncode != 0:
                    sys.exit(f"{mb} MB / {name}: local failed\n{p.stderr[-2000:]}")
            results = [json.loads(l) for l in p.stdout.splitlines()]
            s = mem_stats[(mb, name)]
            s["dur"] += [x["durationMs"] for x in results]
            s["cpu"].append((cpus[n] - cpus[n_small]) / (n - n_small))
            s["wall"].append(statistics.median(x["durationMs"] for x in results) / 1000)
            data = f"{run}/lambdascope-data"
            if os.path.isdir(data):
                for prof in lp.stored_profiles(data):
                    if prof["phase"] == "invoke":
                        s["samples"].append(sum(x["values"][0] for x in prof["samples"]))

print()
print("## Sampling rate by memory size")
print()
print(f"`lambdascope local --memory MB`, runs of {n_small} and {n} invocations of node-wait (30 ms of CPU, then "
      f"100 ms in Atomics.wait), {rounds} rounds. CPU per invocation: the difference between the two runs' CPU "
      f"(every process of `local`: runtime, agent, extension, emulator) divided by the difference in invocations, "
      f"so start-up cancels out. Added: beyond no profiler; share: the function's CPU share over one invocation "
      f"(duration p50 x memory / 1,769 MB).")
print()
print("| memory | configuration | duration p50 | samples per invocation (median) | CPU per invocation | added | added / function's share |")
print("|---|---|---|---|---|---|---|")
for mb in sizes:
    base_cpu = statistics.median(mem_stats[(mb, "no profiler")]["cpu"])
    for name, _ in modes:
        s = mem_stats[(mb, name)]
        cpu = statistics.median(s["cpu"])
        share = statistics.median(s["wall"]) * mb / 1769
        added = cpu - base_cpu
        samples = f"{statistics.median(s['samples']):.0f}" if s["samples"] else "-"
        rel = f"{100 * added / share:.1f}%" if name != "no profiler" else "-"
        plus = f"{added * 1000:+.2f} ms" if name != "no profiler" else "-"
        print(f"| {mb} MB | {name} | {pct(s['dur'], 50):.1f} ms | {samples} | {cpu * 1000:.2f} ms | {plus} | {rel} |")
print()

for runtime in ("node", "cpp"):
    base = stats[(runtime, "no extension")]
    ext = stats[(runtime, "lambdascope, FLUSH=background")]
    added_init = statistics.median(ext["init"]) - statistics.median(base["init"])
    print(f"- {runtime}: lambdascope (background) adds post-runtime p50 {pct(ext['post'], 50):.2f} ms, "
          f"p99 {pct(ext['post'], 99):.2f} ms (targets < 1 ms, < 5 ms); init {added_init:+.1f} ms (target < 30 ms); "
          f"extension peak RSS {statistics.median(ext['rss']):.1f} MB (target < 20 MB).")

sizes = [int(x) for x in os.environ.get("LS_BENCH_MEMORY", "128 512 1769").split()]
mem_configs = [("without", []), ("with lambdascope", ours + wrapper)]
mstats = {(mb, name): {"init": [], "dur": [], "cpu": [], "shutdown": []} for mb in sizes for name, _ in mem_configs}
enforced = True
for r in range(rounds):
    for mb in sizes:
        for name, flags in mem_configs:
            run = f"{tmp}/run"
            shutil.rmtree(run, ignore_errors=True)
            os.makedirs(run)
            cmd = [bin, "local", "--function", node_fn, "--events", f"{tmp}/node.jsonl", "--invocations", str(n),
                   "--memory", str(mb), "--timeout", "60", "--json", "--env", f"LAMBDASCOPE_SPOOL_DIR={run}/spool"] + flags
            p = subprocess.run(cmd, cwd=run, capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"{mb} MB / {name}: local failed\n{p.stderr[-2000:]}")
            enforced = enforced and "limits are not enforced" not in p.stderr
            results = [json.loads(l) for l in p.stdout.splitlines()]
            s = mstats[(mb, name)]
            s["dur"] += [x["durationMs"] for x in results]
            s["init"].append(results[0]["initDurationMs"])
            m = re.search(r"; (\d+) ms of the \d+ ms before the deadline.*CPU (\d+) ms", p.stderr)
            if m:
                s["shutdown"].append(int(m.group(1)))
                s["cpu"].append(int(m.group(2)) / n)

print()
print(f"### By memory size")
print()
print(f"Node.js, {n} invocations per run of a handler burning 50 ms (wall) per invocation, {rounds} rounds, "
      f"`local --memory MB` ({'CPU share and memory enforced through cgroups' if enforced else 'LIMITS NOT ENFORCED here'}). "
      f"Extension CPU: the lambdascope extension's user+system time over the run, per invocation (init and "
      f"SHUTDOWN included); SHUTDOWN: from the event to the extension's exit.")
print()
print("| memory | init without | init with | duration p50 without | duration p50 with | extension CPU / invocation | SHUTDOWN |")
print("|---|---|---|---|---|---|---|")
for mb in sizes:
    a, b = mstats[(mb, "without")], mstats[(mb, "with lambdascope")]
    cpu = f"{statistics.median(b['cpu']):.1f} ms" if b["cpu"] else "-"
    sd = f"{statistics.median(b['shutdown']):.0f} ms" if b["shutdown"] else "-"
    print(f"| {mb} MB | {statistics.median(a['init']):.1f} ms | {statistics.median(b['init']):.1f} ms | "
          f"{pct(a['dur'], 50):.1f} ms | {pct(b['dur'], 50):.1f} ms | {cpu} | {sd} |")

# The rate rule's cost per sample (kSampleCostNs), the extension's part: its own CPU, from the SHUTDOWN line,
# between runs at 199 and 997 Hz in cpu mode, over the difference in samples. The agent's part (the signal's
# delivery and the handler) is bench/agent_peers.sh's "Cost per sample". A wait in wall mode costs less: its
# periods are one record per cycle of the sampler.
with open(f"{tmp}/long.jsonl", "w") as f:
    for i in range(20):
        f.write(f'{{"fn":"burn_r{i:02d}","ms":300}}\n')
ext = {199: [], 997: []}
for r in range(rounds):
    for hz in ext:
        run = f"{tmp}/run"
        shutil.rmtree(run, ignore_errors=True)
        os.makedirs(run)
        cmd = [bin, "local", "--function", node_fn, "--events", f"{tmp}/long.jsonl", "--memory", "1769", "--json",
               "--env", f"LAMBDASCOPE_SPOOL_DIR={run}/spool", "--env", "LAMBDASCOPE_MODE=cpu",
               "--env", f"LAMBDASCOPE_HZ={hz}"] + ours + wrapper
        p = subprocess.run(cmd, cwd=run, capture_output=True, text=True)
        m = re.search(r"SHUTDOWN.*CPU (\d+) ms", p.stderr)
        if p.returncode != 0 or not m:
            sys.exit(f"cost per sample, {hz} Hz: local failed\n{p.stderr[-2000:]}")
        samples = sum(x["values"][0] for prof in lp.stored_profiles(f"{run}/lambdascope-data") for x in prof["samples"])
        ext[hz].append((int(m.group(1)) * 1e6, samples))
lo = (statistics.median(c for c, _ in ext[199]), statistics.median(n_ for _, n_ in ext[199]))
hi = (statistics.median(c for c, _ in ext[997]), statistics.median(n_ for _, n_ in ext[997]))
ext_ns = (hi[0] - lo[0]) / max(1, hi[1] - lo[1])  # can come out below 0: the CPU figures are whole ms
rule = int(re.search(r"kSampleCostNs = (\d+)", open(f"{root}/src/lambda/extension/sampling_rate.hpp").read()).group(1))
print()
print("### The rate rule's cost per sample")
print()
print(f"- The extension: {ext_ns / 1000:.2f} µs per sample (its CPU {lo[0] / 1e6:.0f} ms for {lo[1]:.0f} samples at 199 Hz, "
      f"{hi[0] / 1e6:.0f} ms for {hi[1]:.0f} at 997 Hz; 20 invocations of 300 ms burns at 1,769 MB, cpu mode, "
      f"median of {rounds} rounds; the SHUTDOWN line's CPU is whole milliseconds, so near 0 this is noise, "
      f"about ±0.6 µs).")
print("- The agent: bench/agent_peers.sh's \"Cost per sample\", with the agent's handler at depth 64.")
print(f"- The rate rule takes {rule / 1000:.2f} µs for the two together (kSampleCostNs).")

# Where the CPU goes, thread by thread: the CPU time (schedstat) of the agent's threads in the runtime and of
# every thread of the extension, read in one run of node-wait at 1,769 MB with the default when `local`
# prints the K1-th and the K2-th invocation's result; the difference over K2 - K1 invocations, so start-up
# (reading node's symbols, building unwind tables) is left out. Twice: back to back (as the table above) and
# with 1 s between invocations (`local --interval 1000`, the sandbox frozen meanwhile), as a function called
# less than once a second is: telemetry then comes one batch per invocation, and every thread wakes at each
# thaw after an idle second. The CPU figures above are whole runs (rusage), which move by a few ms between
# runs: per thread, the parts are steadier and say which part moved.
def descendants(root_pid):
    kids = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = open(stat).read()
            pid, ppid = int(text.split(" ", 1)[0]), int(text.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(pid)
        except (OSError, ValueError, IndexError):
            pass
    out, todo = [], [root_pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out

def thread_cpu_now(root_pid):
    by_name = {}
    for pid in descendants(root_pid):
        try:
            extension = b" extension " in open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ")
            for task in glob.glob(f"/proc/{pid}/task/[0-9]*"):
                comm = open(f"{task}/comm").read().strip()
                if extension:
                    name = "extension: " + ("main" if task.endswith(f"/{pid}") else comm)
                elif comm in ("lambdascope-wal", "lambdascope-ctl"):  # not the wrapper's shell
                    name = "agent: " + comm
                else:
                    continue
                by_name[name] = by_name.get(name, 0) + int(open(f"{task}/schedstat").read().split()[0])
        except OSError:
            pass
    return by_name

def thread_cpu(k1, k2, interval_ms):
    run = f"{tmp}/run"
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run)
    cmd = [bin, "local", "--function", wait_fn, "--events", f"{tmp}/wait.jsonl", "--invocations", str(k2 + 2),
           "--interval", str(interval_ms), "--memory", "1769", "--json",
           "--env", f"LAMBDASCOPE_SPOOL_DIR={run}/spool"] + ours + wrapper
    p = subprocess.Popen(cmd, cwd=run, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seen, first, last = 0, None, None
    for _ in p.stdout:
        seen += 1
        if seen == k1:
            first = thread_cpu_now(p.pid)
        elif seen == k2:
            last = thread_cpu_now(p.pid)
    if p.wait() != 0 or first is None or last is None:
        sys.exit(f"per-thread CPU: local failed ({p.returncode})")
    return {name: (last[name] - first[name]) / (k2 - k1) / 1000 for name in set(first) & set(last)}

# What one wake costs here: most of a thread's CPU per invocation is waking (a timer, a delivery, the freeze
# and the thaw that wake every thread of the sandbox), and a wake costs a small virtual machine far more than
# bare metal. A thread sleeping 20 ms, 200 times: its CPU time per wake (Python's own part is a few µs).
def cpu_per_wake():
    before = time.thread_time_ns()
    for _ in range(200):
        time.sleep(0.02)
    return (time.thread_time_ns() - before) / 200 / 1000

wake_us = statistics.median(cpu_per_wake() for _ in range(3))
for title, k1, k2, interval_ms in (("back to back", 10, 50, 0), ("1 s apart", 5, 20, 1000)):
    per_thread = {}
    for r in range(rounds):
        for name, us in thread_cpu(k1, k2, interval_ms).items():
            per_thread.setdefault(name, []).append(us)
    print()
    print(f"### Where the CPU goes, per thread (node-wait, 1,769 MB, default, invocations {title})")
    print()
    print(f"Invocations {k1 + 1} to {k2} of a run, {rounds} rounds. One timer wake costs a thread "
          f"{wake_us:.0f} µs of CPU on this machine (a thread sleeping 20 ms, 200 times, median of 3).")
    print()
    print("| thread | CPU per invocation | each round |")
    print("|---|---|---|")
    total = 0
    for name in sorted(per_thread):
        v = per_thread[name]
        total += statistics.median(v)
        print(f"| {name} | {statistics.median(v):.0f} µs | {', '.join(f'{x:.0f}' for x in v)} |")
    print(f"| sum of the medians | {total:.0f} µs | |")
PY
