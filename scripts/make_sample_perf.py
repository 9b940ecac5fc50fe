#!/usr/bin/env python3
"""Writes examples/sample-function.perf.txt: a deterministic, synthetic `perf script` recording of a Node.js
Lambda handler (cold start, then five invocations), used by `make demo` and as documentation of the format.
It is generated, not recorded, so it carries no third-party data; rerun this script to regenerate it."""
import random
import sys

random.seed(20261121)
PID = 4711
HZ = 199
PERIOD = 1_000_000_000 // HZ
KERNEL = "[kernel.kallsyms]"
NODE = "/var/lang/bin/node"
LIBC = "/usr/lib64/libc.so.6"
MAP = f"/tmp/perf-{PID}.map"

BASE = [("_start", NODE), ("__libc_start_main", LIBC), ("main", NODE), ("node::Start", NODE),
        ("node::SpinEventLoop", NODE), ("uv_run", NODE)]
INIT = BASE[:4] + [("node::LoadEnvironment", NODE), ("v8::Script::Run", NODE),
                   ("LazyCompile:~require node:internal/modules/cjs/loader:1020", MAP),
                   ("LazyCompile:~Module._compile node:internal/modules/cjs/loader:1105", MAP)]
JS = BASE + [("uv__io_poll", NODE), ("node::StreamBase::ReadStart", NODE),
             ("LazyCompile:*processTicksAndRejections node:internal/process/task_queues:68", MAP),
             ("LazyCompile:*handler /var/task/index.js:12", MAP)]
LEAVES = {
    "parse": [("LazyCompile:*parseEvent /var/task/index.js:30", MAP), ("JSON.parse", NODE),
              ("v8::internal::JsonParser<unsigned char>::ParseJsonValue", NODE)],
    "render": [("LazyCompile:*renderPage /var/task/render.js:8", MAP),
               ("LazyCompile:*escapeHtml /var/task/render.js:51", MAP),
               ("v8::internal::String::SlowFlatten", NODE)],
    "hash": [("LazyCompile:*sign /var/task/crypto.js:19", MAP), ("node::crypto::Hash::HashUpdate", NODE),
             ("SHA256_Update", "/usr/lib64/libcrypto.so.3"), ("sha256_block_data_order_avx2", "/usr/lib64/libcrypto.so.3")],
    "write": [("LazyCompile:*send /var/task/index.js:77", MAP), ("uv_write", NODE), ("write", LIBC),
              ("entry_SYSCALL_64_after_hwframe", KERNEL), ("do_syscall_64", KERNEL), ("ksys_write", KERNEL),
              ("vfs_write", KERNEL), ("sock_write_iter", KERNEL), ("tcp_sendmsg", KERNEL)],
    "gc": [("v8::internal::Heap::CollectGarbage", NODE), ("v8::internal::ScavengerCollector::CollectGarbage", NODE),
           ("v8::internal::Scavenger::ScavengePage", NODE)],
}


def record(out, t_ns, comm, tid, stack):
    sec, ns = divmod(t_ns, 1_000_000_000)
    out.write(f"{comm} {PID}/{tid} [000] {sec}.{ns // 1000:06d}: {PERIOD:10d} cpu-clock:\n")
    for name, dso in reversed(stack):
        addr = random.randrange(0x1000, 0xFFFFFF) if dso != KERNEL else random.randrange(0xFFFFFFFF81000000, 0xFFFFFFFF82000000)
        off = random.randrange(1, 0x300)
        sym = name if dso == MAP else f"{name}+0x{off:x}"
        out.write(f"\t{addr:16x} {sym} ({dso})\n")
    out.write("\n")


def main(path):
    with open(path, "w") as out:
        out.write("# ========\n# captured on    : Sat Nov 21 06:00:00 2026\n# hostname : sandbox\n"
                  "# cmdline : /usr/bin/perf record -e cpu-clock -F 199 -g -p 4711\n"
                  f"# event : name = cpu-clock, , id = {{ 1 }}, type = 1, size = 136, {{ sample_period, sample_freq }} = {HZ}, "
                  "sample_type = IP|TID|TIME|CALLCHAIN|PERIOD, freq = 1\n# ========\n#\n")
        t = 1_000_000_000 * 5000
        # Cold start: module loading for 0.6 s.
        for _ in range(int(0.6 * HZ)):
            record(out, t, "node", PID, INIT + [random.choice([("v8::internal::Compiler::Compile", NODE),
                                                              ("v8::internal::Parser::ParseProgram", NODE)])])
            t += PERIOD
        for invocation in range(5):
            t += 300_000_000  # frozen between invocations
            work = ["parse"] * 3 + ["render"] * (6 if invocation != 3 else 20) + ["hash"] * 4 + ["write"] * 2 + ["gc"]
            for _ in range(int(0.25 * HZ)):
                kind = random.choice(work)
                tid = PID if kind != "gc" else PID + 3
                comm = "node" if kind != "gc" else "V8 Worker"
                stack = (BASE + LEAVES[kind]) if kind == "gc" else JS + LEAVES[kind]
                record(out, t + random.randrange(0, 2000), comm, tid, stack)
                t += PERIOD


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "examples/sample-function.perf.txt")
