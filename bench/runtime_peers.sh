#!/usr/bin/env bash
# `make bench` section for Python and Java under the Lambda layer (issue 12's targets): the same function run
# through `lambdascope local` with the layer (extension + AWS_LAMBDA_EXEC_WRAPPER), with lambdascope on (the
# default mode and rate, which the wrapper picks from the memory size) and off (LAMBDASCOPE_ENABLED=0: the
# wrapper is a plain exec and the extension stays out of the way). The functions are the end-to-end tests':
# Python 3.13 with the urllib Runtime API loop (tests/lambda/fixtures/python-burn), Java 17 with the
# java.net.http loop (tests/e2e/lib/java_burn.sh, its burns doing a fixed amount of work, not a fixed time).
# Reports invocation duration p50 (durationMs of `local --json`, pooled over rounds; and each round's p50) on
# and off and their ratio, the init duration (initDurationMs, median of the rounds), Python with
# PYTHONPERFSUPPORT=1 alone (the perf trampolines without the profiler), Java with the wrapper's
# -XX:+DebugNonSafepoints alone, and from the "on" runs' stored invoke profiles (`lambdascope collapse --tid`)
# the handler thread's running samples: with the handler's frame, with only the runtime loop's entry (the
# loop's own work), or truncated (neither); complete = handler / (handler + truncated). Rounds are
# interleaved. Prints markdown on stdout.
# Targets (issue 12): Java invocation <= 3% slower, Java init <= 10% longer, Python <= 5% slower; stacks
# complete to the handler in >= 95% of samples.
# Env: LS_BENCH_ROUNDS (3), LS_BENCH_INVOCATIONS (20), LS_BENCH_RUNTIMES ("python java", or one of them), LS_BENCH_KEEP (a folder: the last Python "on" run's
# stored profiles are copied there, e.g. for a screenshot).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$build/src/lambdascope"
for f in "$bin" "$build/src/liblambdascope-agent.so"; do
  [ -e "$f" ] || { echo "missing $f (build first)" >&2; exit 1; }
done
command -v javac >/dev/null || { echo "javac is not installed (scripts/setup.sh installs openjdk-17-jdk-headless)" >&2; exit 1; }
rounds=${LS_BENCH_ROUNDS:-3}
invocations=${LS_BENCH_INVOCATIONS:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LS_BINARY="$bin" LS_SOURCE_DIR="$root"
# shellcheck source=../tests/e2e/lib/cpython.sh
. "$root/tests/e2e/lib/cpython.sh"
python=$(cpython313)
# shellcheck source=../tests/e2e/lib/lambda_layer.sh
. "$root/tests/e2e/lib/lambda_layer.sh"
make_layer "$tmp/layer"
# shellcheck source=../tests/e2e/lib/java_burn.sh
. "$root/tests/e2e/lib/java_burn.sh"
make_java_burn_function "$tmp/java" work
for i in $(seq 0 9); do printf '{"fn":"burn_r%02d","ms":100}\n' "$i"; done >"$tmp/events.jsonl"

python3 - "$bin" "$root" "$tmp" "$rounds" "$invocations" "$python" "${LS_BENCH_KEEP:-}" <<'PY'
import json, os, shutil, statistics, subprocess, sys

bin, root, tmp, rounds, n, python, keep = sys.argv[1:8]
rounds, n = int(rounds), int(n)
layer = f"{tmp}/layer"
common = ["--extensions", f"{layer}/extensions", "--env", f"AWS_LAMBDA_EXEC_WRAPPER={layer}/lambdascope-wrapper"]
py_fn = f"{root}/tests/lambda/fixtures/python-burn"
runtimes = {
    "python": (["--function", py_fn, "--handler", "app.handler", "--env", "PYTHONDONTWRITEBYTECODE=1"],
               ["--", python, f"{py_fn}/runtime.py"], "handler (app.py)", "main (runtime.py)"),
    "java": (["--function", f"{tmp}/java/fn"],
             ["--", shutil.which("java") or "java", "-XX:-UsePerfData", "-cp", f"{tmp}/java/fn", "Bootstrap"],
             "Handler.handleRequest",
             "Bootstrap.main"),
}
off = ["--env", "LAMBDASCOPE_ENABLED=0"]
configs = [("python", "off", off), ("python", "on", []),
           ("python", "off, PYTHONPERFSUPPORT=1", off + ["--env", "PYTHONPERFSUPPORT=1"]),
           ("java", "off", off), ("java", "on", []),
           # The wrapper's JVM flags without the agent: what -XX:+DebugNonSafepoints costs on its own.
           ("java", "off, DebugNonSafepoints", off + [
               "--env", "JAVA_TOOL_OPTIONS=-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints"])]

only = os.environ.get("LS_BENCH_RUNTIMES", "").split()
if only:
    configs = [c for c in configs if c[0] in only]

def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def handler_share(data, handler, entry):
    """Running samples of the handler's thread over the invoke profiles: (with the handler's frame, with the
    runtime loop's entry but not the handler, i.e. the loop's own work inside the invocation, with neither:
    truncated), and the number of profiles."""
    files = [os.path.join(d, f) for d, _, fs in os.walk(data) for f in fs if "_invoke_" in f]
    counts = [0, 0, 0]
    for path in files:
        out = subprocess.run([bin, "collapse", "--tid", path], capture_output=True, text=True, check=True).stdout
        stacks = []
        for line in out.splitlines():
            stack, count = line.rsplit(" ", 1)
            stacks.append((stack.split(";"), int(count)))
        threads = {frames[0] for frames, _ in stacks if handler in frames}
        for frames, count in stacks:
            if frames[0] not in threads or frames[-1].startswith("[waiting"):
                continue
            counts[0 if handler in frames else 1 if entry in frames else 2] += count
    return counts, len(files)


stats = {(r, c): {"dur": [], "rounds": [], "init": [], "reach": [0, 0, 0], "profiles": 0} for r, c, _ in configs}
for rnd in range(rounds):
    for runtime, name, flags in configs:
        run = f"{tmp}/run"
        shutil.rmtree(run, ignore_errors=True)
        os.makedirs(run)
        fn_flags, command, handler, entry = runtimes[runtime]
        # --json last: after a repeatable option (--env), `--` would not end the options.
        cmd = [bin, "local"] + fn_flags + ["--events", f"{tmp}/events.jsonl", "--invocations", str(n),
               "--env", f"LAMBDASCOPE_SPOOL_DIR={run}/spool", "--env", f"LAMBDASCOPE_RING_DIR={run}/rings"] + \
            common + flags + ["--json"] + command
        p = subprocess.run(cmd, cwd=run, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"{runtime} / {name}: local failed\n{p.stderr[-3000:]}")
        results = [json.loads(l) for l in p.stdout.splitlines()]
        if len(results) != n or any(x.get("status") not in (None, "success") for x in results):
            sys.exit(f"{runtime} / {name}: {len(results)} results of {n}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
        s = stats[(runtime, name)]
        s["dur"] += [x["durationMs"] for x in results]
        s["rounds"].append(statistics.median(x["durationMs"] for x in results))
        s["init"].append(results[0]["initDurationMs"])
        data = f"{run}/lambdascope-data"
        if name == "on":
            got, files = handler_share(data, handler, entry)
            s["reach"] = [a + b for a, b in zip(s["reach"], got)]
            s["profiles"] += files
            if runtime == "python" and keep:
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(data, keep)

print("## Python and Java under the layer")
print()
print(f"`lambdascope local` with the layer (extension and AWS_LAMBDA_EXEC_WRAPPER), {n} invocations per run, each "
      f"burning a fixed amount of CPU work (the same for on and off: nominally 100 ms; the off rows show what it "
      f"takes here) two calls below the handler, {rounds} interleaved rounds "
      f"(durations pooled over rounds; init: median of the rounds). On: lambdascope's default (wall mode, the rate "
      f"the wrapper picks for 128 MB); off: `LAMBDASCOPE_ENABLED=0` (the wrapper is a plain exec). Python 3.13 "
      f"(urllib Runtime API loop), Java 17 (java.net.http loop). Handler thread's samples: its running (not "
      f"waiting) samples in the \"on\" runs' stored invoke profiles (`lambdascope collapse --tid`): in the handler "
      f"(with the handler's frame), in the runtime loop (its entry, `main (runtime.py)` / `Bootstrap.main`, but not "
      f"the handler: the loop's own HTTP calls inside the invocation window, complete stacks outside the handler), "
      f"truncated (neither). Complete to the handler: in the handler / (in the handler + truncated).")
print()
print("| runtime | configuration | duration p50 | rounds' p50s | vs off | init duration (rounds) | handler thread's samples: in the handler / in the runtime loop / truncated | complete to the handler | invoke profiles |")
print("|---|---|---|---|---|---|---|---|---|")
for runtime, name, _ in configs:
    s = stats[(runtime, name)]
    base = pct(stats[(runtime, "off")]["dur"], 50)
    d = pct(s["dur"], 50)
    ratio = f"{d / base:.3f}" if name != "off" else "-"
    r = s["reach"]
    counts = f"{r[0]} / {r[1]} / {r[2]}" if name == "on" else "-"
    share = f"{100 * r[0] / max(1, r[0] + r[2]):.1f}%" if name == "on" else "-"
    prof = str(s["profiles"]) if name == "on" else "-"
    spread = f"{min(s['rounds']):.1f}–{max(s['rounds']):.1f} ms"
    inits = f"{min(s['init']):.0f}–{max(s['init']):.0f}"
    print(f"| {runtime} | {name} | {d:.1f} ms | {spread} | {ratio} | {statistics.median(s['init']):.1f} ms ({inits}) | {counts} | {share} | {prof} |")
print()
for runtime, limit in (("python", 1.05), ("java", 1.03)):
    if only and runtime not in only:
        continue
    ratio = pct(stats[(runtime, "on")]["dur"], 50) / pct(stats[(runtime, "off")]["dur"], 50)
    r = stats[(runtime, "on")]["reach"]
    share = r[0] / max(1, r[0] + r[2])
    line = (f"- {runtime}: invocation {100 * (ratio - 1):+.1f}% (target <= {100 * (limit - 1):.0f}%: "
            f"{'met' if ratio <= limit else 'not met'}); complete to the handler {100 * share:.1f}% "
            f"(target >= 95%: {'met' if share >= 0.95 else 'not met'}; with the runtime loop's samples counted as "
            f"incomplete: {100 * r[0] / max(1, sum(r)):.1f}%)")
    if runtime == "java":
        init = statistics.median(stats[("java", "on")]["init"]) / statistics.median(stats[("java", "off")]["init"])
        line += f"; init {100 * (init - 1):+.1f}% (target <= 10%: {'met' if init <= 1.10 else 'not met'})"
        dns = pct(stats[("java", "off, DebugNonSafepoints")]["dur"], 50) / pct(stats[("java", "off")]["dur"], 50)
        line += f"; -XX:+DebugNonSafepoints alone {100 * (dns - 1):+.1f}%"
    else:
        tramp = pct(stats[("python", "off, PYTHONPERFSUPPORT=1")]["dur"], 50) / pct(stats[("python", "off")]["dur"], 50)
        line += f"; of which the perf trampolines alone {100 * (tramp - 1):+.1f}%"
    print(line + ".")
PY
