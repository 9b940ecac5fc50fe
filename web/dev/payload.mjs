// Dev harness: builds lambdascope page payloads (docs/page-data.md) without the C++ side, from folded stacks,
// from `perf script` text, or from synthetic generators (a 500k-node profile, 2,000+-deep stacks, a timed
// multi-thread recording for the heat map), and writes the HTML page around a bundle.
import { gzipSync } from "node:zlib";

/** Accumulates strings, frames, the stack trie and sample columns. */
export class ProfileBuilder {
  constructor(sampleTypes = [{ type: "samples", unit: "count" }]) {
    this.strings = [""];
    this.stringIndex = new Map([["", 0]]);
    this.frames = { name: [], module: [], file: [], line: [], kind: [] };
    this.frameIndex = new Map();
    this.parent = [0];
    this.frame = [-1];
    this.childIndex = new Map();
    this.sampleTypes = sampleTypes;
    this.samples = { stack: [], values: sampleTypes.map(() => []), time: [], pid: [], tid: [], cpu: [], thread: [] };
    this.timed = false;
    this.idle = new Set();
    this.attributes = {};
  }
  str(s) {
    let id = this.stringIndex.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, id);
    }
    return id;
  }
  frameId(name, module = "", kind = 0, file = "", line = 0) {
    const key = `${name}\u0000${module}\u0000${kind}\u0000${file}\u0000${line}`;
    let id = this.frameIndex.get(key);
    if (id === undefined) {
      id = this.frames.name.length;
      this.frames.name.push(this.str(name));
      this.frames.module.push(this.str(module));
      this.frames.file.push(this.str(file));
      this.frames.line.push(line);
      this.frames.kind.push(kind);
      this.frameIndex.set(key, id);
    }
    return id;
  }
  push(parent, frame) {
    const key = parent * 4294967296 + frame;
    let id = this.childIndex.get(key);
    if (id === undefined) {
      id = this.parent.length;
      this.parent.push(parent);
      this.frame.push(frame);
      this.childIndex.set(key, id);
    }
    return id;
  }
  stack(frameIdsRootFirst) {
    let s = 0;
    for (const f of frameIdsRootFirst) s = this.push(s, f);
    return s;
  }
  sample(stack, values, { time = null, pid = -1, tid = -1, cpu = -1, thread = "" } = {}) {
    const S = this.samples;
    S.stack.push(stack);
    values.forEach((v, i) => S.values[i].push(v));
    if (time !== null) this.timed = true;
    S.time.push(time ?? 0);
    S.pid.push(pid);
    S.tid.push(tid);
    S.cpu.push(cpu);
    S.thread.push(this.str(thread));
  }
  toJSON(extraMeta = {}) {
    const S = this.samples;
    const n = S.stack.length;
    let timeBase = null,
      deltas = null,
      start = null,
      end = null;
    if (this.timed && n > 0) {
      // Times as BigInt-safe numbers (ns); base = start of the earliest sample's second.
      let min = Infinity,
        max = -Infinity;
      for (const t of S.time) {
        if (t < min) min = t;
        if (t > max) max = t;
      }
      const base = Math.floor(min / 1e9) * 1e9;
      timeBase = String(base);
      start = String(min);
      end = String(max);
      deltas = new Array(n);
      let prev = base;
      for (let i = 0; i < n; i++) {
        deltas[i] = S.time[i] - prev;
        prev = S.time[i];
      }
    }
    const has = (col, unknown) => col.some((v) => v !== unknown);
    return {
      meta: {
        sample_types: this.sampleTypes,
        default_value: 0,
        period_type: null,
        period: 0,
        time_base_ns: timeBase,
        start_ns: start,
        end_ns: end,
        duration_ns: timeBase ? Number(end) - Number(start) : 0,
        attributes: this.attributes,
        comments: [],
        ...extraMeta,
      },
      strings: this.strings,
      frames: this.frames,
      stacks: { parent: this.parent, frame: this.frame },
      idle_stacks: [...this.idle].sort((a, b) => a - b),
      samples: {
        count: n,
        stack: S.stack,
        values: S.values,
        time_delta_ns: deltas,
        pid: has(S.pid, -1) ? S.pid : null,
        tid: has(S.tid, -1) ? S.tid : null,
        cpu: has(S.cpu, -1) ? S.cpu : null,
        thread: has(S.thread, 0) ? S.thread : null,
      },
    };
  }
}

const ANNOT = { "_[k]": 1, "_[j]": 2, "_[i]": 4, "_[0]": 3 };

/** Folded stacks ("a;b;c 12") to a profile; annotations _[k] _[j] _[i] set the kind. */
export function fromFolded(text) {
  const b = new ProfileBuilder();
  b.attributes.source_format = "folded";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^(.*\S)\s+(\d+(?:\.\d+)?)$/.exec(line);
    if (!m) continue;
    const frames = m[1].split(";").map((f) => {
      const suf = f.slice(-4);
      const kind = ANNOT[suf];
      return kind === undefined ? b.frameId(f) : b.frameId(f.slice(0, -4), "", kind);
    });
    b.sample(b.stack(frames), [Number(m[2])]);
  }
  return b;
}

const IDLE_RE =
  /^(cpuidle|cpu_idle|cpu_bringup_and_idle|native_safe_halt|xen_hypercall_sched_op|xen_hypercall_vcpu_op|intel_idle|acpi_idle_do_entry|default_idle|poll_idle)/;

/** A small `perf script` reader (for development only: the real one is the C++ reader). */
export function fromPerfScript(text) {
  const b = new ProfileBuilder([
    { type: "samples", unit: "count" },
    { type: "cpu", unit: "nanoseconds" },
  ]);
  b.attributes.source_format = "perf-script";
  const ev = /^\s*(\S.*?)\s+(\d+)(?:\/(\d+))?\s+(?:\[(\d+)\]\s+)?(\d+)\.(\d+):\s+(?:(\d+)\s+)?(\S+?):/;
  const fr = /^\s+([0-9a-fA-F]+)\s+(.*?)\s+\((.*)\)\s*$/;
  let cur = null;
  const flush = () => {
    if (!cur) return;
    const frames = cur.frames.reverse().map(([sym, dso]) => {
      const name = sym.replace(/\+0x[0-9a-f]+$/, "") || "[unknown]";
      const kind = dso.startsWith("[") && dso !== "[unknown]" ? 1 : /perf-\d+\.map$/.test(dso) ? 2 : 0;
      return b.frameId(name, dso, kind);
    });
    const stack = b.stack(frames);
    if (frames.length && IDLE_RE.test(b.strings[b.frames.name[frames[frames.length - 1]]])) b.idle.add(stack);
    b.sample(stack, [1, cur.period], { time: cur.time, pid: cur.pid, tid: cur.tid, cpu: cur.cpu, thread: cur.comm });
    cur = null;
  };
  for (const line of text.split(/\n/)) {
    if (line.startsWith("#")) continue;
    if (!line.trim()) {
      flush();
      continue;
    }
    const m = ev.exec(line);
    if (m && !line.startsWith("\t")) {
      flush();
      const pid = Number(m[2]),
        tid = m[3] ? Number(m[3]) : pid;
      cur = {
        comm: m[1],
        pid: m[3] ? pid : -1,
        tid,
        cpu: m[4] ? Number(m[4]) : -1,
        time: Number(m[5]) * 1e9 + Number(m[6].padEnd(9, "0").slice(0, 9)),
        period: m[7] ? Number(m[7]) : 1,
        frames: [],
      };
      continue;
    }
    const f = fr.exec(line);
    if (f && cur) cur.frames.push([f[2], f[3]]);
  }
  flush();
  return b;
}

/** Deterministic PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "parse",
  "render",
  "alloc",
  "hash",
  "lookup",
  "encode",
  "decode",
  "read",
  "write",
  "flush",
  "sort",
  "merge",
  "compress",
  "scan",
  "dispatch",
  "handle",
  "serialize",
  "visit",
  "resolve",
  "update",
];
const TYPES = ["Buffer", "Request", "Tree", "Map", "Session", "Frame", "Index", "Cache", "Stream", "Worker"];
const MODULES = [
  "/usr/bin/app",
  "/usr/lib/libc.so.6",
  "/usr/lib/libstdc++.so.6",
  "[kernel.kallsyms]",
  "/tmp/perf-4242.map",
  "/srv/app/handler.py",
  "/usr/lib/libz.so.1",
];

function fnName(i) {
  const w = WORDS[i % WORDS.length],
    t = TYPES[Math.floor(i / WORDS.length) % TYPES.length];
  return `app::${t}::${w}_${i}`;
}

/**
 * A wide synthetic profile with exactly `nodes` stack-trie nodes (besides the root): the heaviest pending node
 * is split first, so every node above some weight exists, like a real big profile. One aggregated sample per
 * node with self weight.
 */
export function wideProfile(nodes = 500000, seed = 1) {
  const r = rng(seed);
  const b = new ProfileBuilder([
    { type: "samples", unit: "count" },
    { type: "cpu", unit: "nanoseconds" },
  ]);
  b.attributes = {
    cmdline: `synthetic wide profile, ${nodes} nodes`,
    event: "cpu-clock",
    frequency_hz: "999",
    source_format: "synthetic",
  };
  const nNames = 20011;
  const frames = [];
  const frameOf = (k) =>
    (frames[k] ??= b.frameId(
      fnName(k),
      MODULES[k % MODULES.length],
      k % 11 === 3 ? 1 : k % 13 === 5 ? 2 : k % 17 === 7 ? 4 : k % 19 === 2 ? 3 : 0,
      `src/${WORDS[k % WORDS.length]}.cc`,
      1 + (k % 900),
    ));
  // Max-heap of [total, stackId, frameKey, depth].
  const heap = [];
  const hpush = (e) => {
    heap.push(e);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p][0] >= heap[i][0]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const hpop = () => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1,
          rr = l + 1;
        let m = i;
        if (l < heap.length && heap[l][0] > heap[m][0]) m = l;
        if (rr < heap.length && heap[rr][0] > heap[m][0]) m = rr;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  const selfW = new Map();
  const total0 = 40_000_000;
  // Root-level children (like threads/entry points).
  let created = 0;
  const kids0 = 6;
  let rem = total0;
  for (let k = 0; k < kids0 && created < nodes; k++) {
    const w = k === kids0 - 1 ? rem : Math.floor(rem * (0.35 + 0.3 * r()));
    rem -= w;
    const fk = (k * 7919 + 1) % nNames;
    const s = b.push(0, frameOf(fk));
    created++;
    hpush([w, s, fk, 1]);
  }
  while (heap.length && created < nodes) {
    const [t, s, fk, depth] = hpop();
    if (t < 2 || depth > 120) {
      selfW.set(s, t);
      continue;
    }
    const self = Math.floor(t * (r() < 0.3 ? r() * 0.4 : r() * 0.05));
    let left = t - self;
    const k = 1 + Math.floor(r() * r() * 9);
    let sAcc = self;
    for (let c = 0; c < k && left > 0 && created < nodes; c++) {
      const w = c === k - 1 ? left : Math.max(1, Math.floor(left * (0.2 + 0.7 * r())));
      left -= w;
      const cfk = (fk * 31 + (c + 1) * 7919 + depth) % nNames;
      const cs = b.push(s, frameOf(cfk));
      if (cs !== b.parent.length - 1) {
        sAcc += w;
        continue;
      } // sibling collision: keep weight as self
      created++;
      hpush([w, cs, cfk, depth + 1]);
    }
    selfW.set(s, sAcc + left);
  }
  for (const [t, s] of heap) selfW.set(s, (selfW.get(s) ?? 0) + t);
  for (const [s, w] of selfW) if (w > 0) b.sample(s, [w, w * 1001001], {});
  return b;
}

/** Deep stacks: a recursion `depth` frames deep with side branches, plus some ordinary shallow stacks. */
export function deepProfile(depth = 2500, seed = 2) {
  const r = rng(seed);
  const b = new ProfileBuilder();
  b.attributes = { cmdline: `synthetic deep profile, ${depth} frames`, event: "cpu-clock", source_format: "synthetic" };
  const main = b.frameId("main", "/usr/bin/deep");
  const chain = [main];
  for (let d = 1; d < depth; d++) chain.push(b.frameId(`recurse_level_${d}`, "/usr/bin/deep", 0, "deep.c", d));
  for (let d = 50; d <= depth; d += 50) {
    const leaf = b.frameId(`work_at_${d}`, "/usr/bin/deep", d % 100 === 0 ? 1 : 0);
    b.sample(b.stack([...chain.slice(0, d), leaf]), [1 + Math.floor(r() * 20)]);
  }
  b.sample(b.stack(chain), [100]);
  const other = b.frameId("shallow_work", "/usr/bin/deep");
  b.sample(b.stack([main, other]), [300]);
  return b;
}

/**
 * A timed multi-thread recording for the heat map: `seconds` long at `hz` per thread, with bursts, an idle
 * thread (swapper, idle leaf) and pid/tid/cpu/comm columns. Times start at 663.25 s of some clock.
 */
export function timedProfile(seconds = 30, hz = 499, seed = 3) {
  const r = rng(seed);
  const b = new ProfileBuilder([
    { type: "samples", unit: "count" },
    { type: "cpu", unit: "nanoseconds" },
  ]);
  b.attributes = {
    cmdline: "perf record -e cpu-clock -F 499 -g -a",
    event: "cpu-clock",
    frequency_hz: String(hz),
    source_format: "synthetic",
  };
  const period = Math.round(1e9 / hz);
  const f = (name, mod = "/srv/app/server", kind = 0) => b.frameId(name, mod, kind);
  const stacks = {
    handle: [f("main"), f("serve"), f("handle_request"), f("parse_json")],
    render: [f("main"), f("serve"), f("handle_request"), f("render_page"), f("format_html")],
    gzip: [f("main"), f("serve"), f("handle_request"), f("compress"), f("deflate", "/usr/lib/libz.so.1")],
    syscall: [
      f("main"),
      f("serve"),
      f("write_response"),
      f("__libc_write", "/usr/lib/libc.so.6"),
      f("entry_SYSCALL_64", "[kernel.kallsyms]", 1),
      f("ksys_write", "[kernel.kallsyms]", 1),
    ],
    gc: [f("main"), f("gc_thread"), f("mark_roots"), f("scan_heap")],
    idle: [
      f("secondary_startup_64", "[kernel.kallsyms]", 1),
      f("cpu_startup_entry", "[kernel.kallsyms]", 1),
      f("do_idle", "[kernel.kallsyms]", 1),
      f("native_safe_halt", "[kernel.kallsyms]", 1),
    ],
  };
  const ids = Object.fromEntries(Object.entries(stacks).map(([k, v]) => [k, b.stack(v)]));
  b.idle.add(ids.idle);
  const start = 663_250_000_000;
  const threads = [
    { comm: "server", pid: 4242, tid: 4242, cpu: 0 },
    { comm: "server", pid: 4242, tid: 4243, cpu: 1 },
    { comm: "gc", pid: 4242, tid: 4250, cpu: 1 },
    { comm: "swapper", pid: 0, tid: 0, cpu: 2 },
  ];
  for (let i = 0; i < seconds * hz; i++) {
    const t = start + i * period;
    const sec = Math.floor((t - start) / 1e9);
    const frac = ((t - start) % 1e9) / 1e9;
    for (const th of threads) {
      let st;
      if (th.comm === "swapper") {
        if (r() < 0.7) st = "idle";
        else continue;
      } else if (th.comm === "gc") {
        if (sec % 5 === 2 && frac < 0.3) st = "gc";
        else continue;
      } else {
        const busy = frac < 0.25 || sec % 7 === 3 || r() < 0.05;
        if (!busy) continue;
        const x = r();
        st =
          sec >= seconds / 2 && x < 0.35
            ? "gzip"
            : x < 0.45
              ? "handle"
              : x < 0.75
                ? "render"
                : x < 0.9
                  ? "syscall"
                  : "gzip";
      }
      const jitter = Math.floor(r() * 1000);
      b.sample(ids[st], [1, period], { time: t + jitter, pid: th.pid, tid: th.tid, cpu: th.cpu, thread: th.comm });
    }
  }
  return b;
}

export function makePayload(page, profiles, { title = "lambdascope dev page", options = {} } = {}) {
  return {
    format: "lambdascope-page",
    version: 1,
    page,
    title,
    options: {
      orientation: "flame",
      order: "weight",
      color: "kind",
      value: 0,
      search: "",
      rows: 50,
      hide_idle: true,
      diff_normalize: true,
      ...options,
    },
    profiles: profiles.map((p) => (p instanceof ProfileBuilder ? p.toJSON() : p)),
  };
}

function escapeHtml(s) {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The page, as docs/page-data.md specifies; encoding "gzip+base64" (default) or "json". */
export function makeHtml(payload, bundle, encoding = "gzip+base64") {
  if (/<\/script/i.test(bundle)) throw new Error("bundle contains </script");
  const json = JSON.stringify(payload);
  const data =
    encoding === "json"
      ? json.replace(/</g, "\\u003c")
      : gzipSync(Buffer.from(json, "utf8"), { level: 6 }).toString("base64");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(payload.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<div id="lambdascope-app"></div>
<script type="application/octet-stream" id="lambdascope-data" data-encoding="${encoding}">${data}</script>
<script>${bundle}</script>
</body></html>
`;
}

/**
 * The same profile as speedscope's "evented" JSON: one open/close pair per stack-trie node in depth-first
 * order, so speedscope sees exactly the tree (same nodes, same weights) that our page shows.
 */
export function toSpeedscopeEvented(b, name = "profile") {
  const n = b.parent.length;
  const total = new Float64Array(n);
  const S = b.samples;
  for (let i = 0; i < S.stack.length; i++) total[S.stack[i]] += S.values[0][i];
  for (let v = n - 1; v > 0; v--) total[b.parent[v]] += total[v];
  const kids = Array.from({ length: n }, () => []);
  for (let v = 1; v < n; v++) if (total[v] > 0) kids[b.parent[v]].push(v);
  const events = [];
  const stack = [[0, 0, 0]]; // node, x, child index
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [v, x, k] = top;
    if (k === 0 && v !== 0) events.push({ type: "O", at: x, frame: b.frame[v] });
    if (k < kids[v].length) {
      let cx = x;
      for (let j = 0; j < k; j++) cx += total[kids[v][j]];
      top[2]++;
      stack.push([kids[v][k], cx, 0]);
    } else {
      if (v !== 0) events.push({ type: "C", at: x + total[v], frame: b.frame[v] });
      stack.pop();
    }
  }
  return {
    $schema: "https://www.speedscope.app/file-format-schema.json",
    shared: {
      frames: b.frames.name.map((s, i) => ({ name: b.strings[s], file: b.strings[b.frames.file[i]] || undefined })),
    },
    profiles: [{ type: "evented", name, unit: "none", startValue: 0, endValue: total[0], events }],
    name,
    exporter: "lambdascope web/dev",
  };
}
