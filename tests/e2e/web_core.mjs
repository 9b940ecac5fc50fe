#!/usr/bin/env node
// Node-level checks of the web UI's core (no browser): heat-map bucket and range math against BigInt
// arithmetic from docs/page-data.md (row counts that do not divide a second, 24 h offsets), name-merged trees,
// recursion-safe function totals, sandwich totals, vanished widths, folded text like `lambdascope collapse`.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const SRC = resolve(process.env.LS_SOURCE_DIR ?? resolve(here, "../.."));
const OUT = join(resolve(process.env.LS_BUILD_DIR ?? join(SRC, "build")), "web-test");
mkdirSync(OUT, { recursive: true });
const core = join(OUT, "web-core.mjs");
await build({
  stdin: {
    contents: ["model", "aggregate", "build", "tree", "folded", "heatmap_view", "format"]
      .map((m) => `export * from "./${m}";`)
      .join("\n"),
    resolveDir: join(SRC, "web/src"),
    loader: "ts",
  },
  bundle: true,
  format: "esm",
  platform: "neutral",
  outfile: core,
  logLevel: "error",
});
const C = await import(pathToFileURL(core).href);
const P = await import(pathToFileURL(join(SRC, "web/dev/payload.mjs")).href);

let failures = 0,
  passes = 0;
function check(name, ok, detail = "") {
  if (ok) passes++;
  else {
    failures++;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ""}`);
  }
}

// ---- bucket math ----
const bigStart = (k, R, S) => {
  const B = BigInt(S) * 1_000_000_000n,
    kk = BigInt(k),
    RR = BigInt(R);
  return (kk / RR) * B + ((kk % RR) * B + RR - 1n) / RR;
};
const bigBucket = (t, R, S) => {
  const B = BigInt(S) * 1_000_000_000n,
    tt = BigInt(t),
    RR = BigInt(R);
  return Number((tt / B) * RR + ((tt % B) * RR) / B);
};
let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
let bad = 0;
for (const R of [7, 10, 25, 49, 50, 99, 100, 333]) {
  for (const S of [1, 2, 5, 60, 300, 600]) {
    const B = S * 1e9;
    for (let n = 0; n < 400; n++) {
      const k = Math.floor(rnd() * (86400 / S) * R);
      const start = C.bucketStart(k, R, B);
      if (BigInt(start) !== bigStart(k, R, S)) bad++;
      // The bucket's first and last nanosecond, and the one before it.
      if (C.bucketOf(start, R, B) !== k || bigBucket(start, R, S) !== k) bad++;
      if (k > 0 && C.bucketOf(start - 1, R, B) !== k - 1) bad++;
      const t = Math.floor(rnd() * 86400e9);
      if (C.bucketOf(t, R, B) !== bigBucket(t, R, S)) bad++;
    }
    const r = C.cellRange(3, R - 1, 1, 2, R, S); // reversed on purpose
    if (BigInt(r.from) !== bigStart(1 * R + 2, R, S) || BigInt(r.to) !== bigStart(3 * R + R, R, S)) bad++;
  }
}
check("bucketStart/bucketOf/cellRange equal the BigInt math of docs/page-data.md", bad === 0, `${bad} mismatches`);
check(
  "nsToSeconds is exact",
  C.nsToSeconds(2020000000) === "2.02" &&
    C.nsToSeconds(86399999999999) === "86399.999999999" &&
    C.nsToSeconds(7e9) === "7" &&
    C.nsToSeconds(1) === "0.000000001",
);

// ---- trees from folded stacks ----
const folded = [
  "a;b;c 5",
  "a;b;d 3",
  "a;b 2",
  "a;x;b;c 4", // b reached twice, and name b under x
  "a;r;r;r 6", // recursion
  "z 1",
];
const b1 = P.fromFolded(folded.join("\n"));
// Two frames with the same name (different module) must merge in the tree.
b1.sample(b1.stack([b1.frameId("a"), b1.frameId("b", "/other.so")]), [10]);
const m = new C.Model(P.makePayload("flamegraph", [b1]).profiles[0]);
check("model: names not unique (b in two modules)", m.namesUnique === false);
const e = C.selectEntries(m, { value: 0, hideIdle: false }, false);
const t = C.singleTree(m, e);
const L = C.layoutTree(t, t.total, "weight");
const byPath = new Map();
for (let k = 0; k < L.count; k++) {
  const v = L.pre[k];
  const path = [];
  for (let u = v; u > 0; u = t.parent[u]) path.unshift(t.label(u));
  byPath.set(path.join(";"), { total: t.total[v], self: t.self[v], v });
}
check("tree: total of all", t.total[0] === 31, String(t.total[0]));
check(
  "tree: same-named frames merge (a;b)",
  byPath.get("a;b")?.total === 20 && byPath.get("a;b")?.self === 12,
  JSON.stringify(byPath.get("a;b")),
);
check(
  "tree: a node per distinct name path",
  L.count ===
    1 + new Set(["a", "a;b", "a;b;c", "a;b;d", "a;x", "a;x;b", "a;x;b;c", "a;r", "a;r;r", "a;r;r;r", "z"]).size,
  String(L.count),
);
const kids = (v) => Array.from(L.childList.subarray(L.childStart[v], L.childStart[v + 1])).map((c) => t.label(c));
check(
  "layout: children heaviest first",
  kids(byPath.get("a").v).join(",") === "b,r,x",
  kids(byPath.get("a").v).join(","),
);
const LN = C.layoutTree(t, t.total, "name");
check(
  "layout: children by name",
  Array.from(LN.childList.subarray(LN.childStart[byPath.get("a").v], LN.childStart[byPath.get("a").v + 1]))
    .map((c) => t.label(c))
    .join(",") === "b,r,x",
);
let rowsSorted = true;
for (let d = 0; d <= L.maxDepth; d++)
  for (let i = L.rowStart[d] + 1; i < L.rowStart[d + 1]; i++)
    if (L.x[L.rowNodes[i]] < L.x[L.rowNodes[i - 1]] + L.width[L.rowNodes[i - 1]]) rowsSorted = false;
check("layout: rows sorted by x and not overlapping", rowsSorted);

const stats = C.functionStats(L);
const fs = new Map();
for (let i = 0; i < stats.n; i++) fs.set(t.pool[stats.name[i]], { self: stats.self[i], total: stats.total[i] });
check(
  "functions: recursion counted once (r total 6)",
  fs.get("r").total === 6 && fs.get("r").self === 6,
  JSON.stringify(fs.get("r")),
);
check(
  "functions: b total counts both paths (20 + 4)",
  fs.get("b").total === 24 && fs.get("b").self === 12,
  JSON.stringify(fs.get("b")),
);

const s = C.searchTree(L, /^[bc]$/);
check(
  "search: frames and matched total (no double count under a match)",
  s.frames === 4 && s.matchedTotal === 24,
  JSON.stringify({ f: s.frames, m: s.matchedTotal }),
);

const rId = t.pool.indexOf("r");
const sw = C.sandwichTrees(t, rId);
check(
  "sandwich: callers and callees total the function's total",
  sw.callers.total[0] === 6 && sw.callees.total[0] === 6,
);
const bId = t.pool.indexOf("b");
const swb = C.sandwichTrees(t, bId);
const callerNames = [];
for (let v = 1; v < swb.callers.n; v++)
  if (swb.callers.parent[v] === 0) callerNames.push(`${swb.callers.label(v)}=${swb.callers.total[v]}`);
check("sandwich: b's direct callers", callerNames.sort().join(",") === "a=20,x=4", callerNames.join(","));

// ---- coarse first layout (big graphs): included frames sit exactly where the full layout puts them ----
{
  const wm = new C.Model(P.makePayload("flamegraph", [P.wideProfile(60000, 5)]).profiles[0]);
  const wt = C.singleTree(wm, C.selectEntries(wm, { value: 0, hideIdle: false }, false));
  const full = C.layoutTree(wt, wt.total, "weight");
  const cut = wt.total[0] / (1400 * 16);
  const w = new Float64Array(wt.n);
  for (let i = 0; i < wt.n; i++) w[i] = wt.total[i] >= cut ? wt.total[i] : 0;
  const coarse = C.layoutTree(wt, w, "weight");
  let moved = 0,
    kept = 0;
  for (let v = 0; v < wt.n; v++) {
    if (coarse.depth[v] < 0) continue;
    kept++;
    if (coarse.x[v] !== full.x[v] || coarse.depth[v] !== full.depth[v]) moved++;
  }
  check(
    "coarse layout: every frame it keeps is placed as in the full layout",
    moved === 0 && kept > 100 && kept < wt.n / 2,
    `${moved} moved of ${kept} kept (${wt.n} nodes)`,
  );
}

// ---- diff: two profiles, vanished widths ----
const base = P.fromFolded("m;old 10\nm;keep 10\n");
const neu = P.fromFolded("m;keep 10\nm;new 30\n");
const mb = new C.Model(P.makePayload("diff", [base, neu]).profiles[0]);
const mn = new C.Model(P.makePayload("diff", [base, neu]).profiles[1]);
const shared = C.sharedPool(mn, mb);
const dt = C.twoProfileDiffTree(
  mn,
  C.selectEntries(mn, { value: 0, hideIdle: false }, false),
  mb,
  C.selectEntries(mb, { value: 0, hideIdle: false }, false),
  shared,
);
const find = (name) => {
  for (let v = 1; v < dt.n; v++) if (dt.label(v) === name) return v;
  return -1;
};
check("diff: new-only path has base 0", dt.baseTotal[find("new")] === 0 && dt.total[find("new")] === 30);
check("diff: base-only path has new 0", dt.total[find("old")] === 0 && dt.baseTotal[find("old")] === 10);
check(
  "diff: shared path merges across profiles",
  dt.baseTotal[find("keep")] === 10 &&
    dt.total[find("keep")] === 10 &&
    dt.baseTotal[find("m")] === 20 &&
    dt.total[find("m")] === 40,
);

// ---- folded text like collapse ----
const tb = new P.ProfileBuilder();
tb.sample(tb.stack([tb.frameId("f;1"), tb.frameId("g\nh")]), [2], { thread: "my thread" });
tb.sample(tb.stack([tb.frameId("f;1")]), [1.5], {});
const mt = new C.Model(P.makePayload("flamegraph", [tb]).profiles[0]);
const text = C.foldedText(mt, { value: 0, hideIdle: false });
check(
  "folded: comm root with _ for spaces, ';' as ':', sorted, fractional weights",
  text === "f:1 1.5\nmy_thread;f:1;g h 2\n",
  JSON.stringify(text),
);

console.log(`web core: ${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
