// A stand-in for `lambdascope serve` while src/server is being built: the contract of
// /work/notes/contract_serve.md (docs/serve.md) over a directory store and a folder of files, answered by
// running the real binary (merge, flamegraph, heatmap, diff, collapse) and decoding the payload of the page
// it writes. For the browser tests of the serve pages only; it is not the product.
// Usage: node serve_fixture.mjs --binary LS --bundle BUNDLE.js --store DIR [--files DIR] [--port N]
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";

const run = promisify(execFile);
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(" ")
    .split(/\s*--/)
    .filter(Boolean)
    .map((a) => a.split(/\s+/)),
);
const binary = resolve(args.binary);
const bundle = readFileSync(args.bundle, "utf8");
const store = args.store ? resolve(args.store) : null;
const filesDir = args.files ? resolve(args.files) : null;

// <function>/<YYYY>/<MM>/<DD>/<HH>/<start-ms>_<duration-ms>_<phase>_<request-id>.pb.gz
const KEY = /^(?:.*\/)?([^/]+)\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/(\d+)_(\d+)_(init|invoke)_([^/]*)\.pb\.gz$/;

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const st = statSync(p); // follows symbolic links
    if (st.isDirectory()) out.push(...walk(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

function listStore() {
  if (!store) return [];
  const rows = [];
  for (const p of walk(store)) {
    const key = relative(store, p).split(sep).join("/");
    const m = KEY.exec(key);
    if (!m) continue;
    rows.push({ key, path: p, fn: m[1], start_ms: +m[2], duration_ms: +m[3], phase: m[4], request_id: m[5] });
  }
  return rows.sort((a, b) => a.start_ms - b.start_ms);
}

class BadParam extends Error {
  constructor(parameter, message) {
    super(message);
    this.parameter = parameter;
  }
}

function num(q, k) {
  const v = q.get(k);
  if (v == null) return null;
  if (!/^\d+$/.test(v)) throw new BadParam(k, `${k} must be a whole number of milliseconds`);
  return Number(v);
}

function select(q) {
  const fn = q.get("function"),
    phase = q.get("phase"),
    keys = q.getAll("key");
  const since = num(q, "since"),
    until = num(q, "until"),
    minD = num(q, "min_duration"),
    maxD = num(q, "max_duration");
  return listStore().filter(
    (r) =>
      (!fn || r.fn === fn) &&
      (!phase || r.phase === phase) &&
      (!keys.length || keys.includes(r.key)) &&
      (since == null || r.start_ms >= since) &&
      (until == null || r.start_ms < until) &&
      (minD == null || r.duration_ms >= minD) &&
      (maxD == null || r.duration_ms <= maxD),
  );
}

function pct(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const tmp = mkdtempSync(join(tmpdir(), "ls-serve-fixture-"));
let seq = 0;

async function merged(rows) {
  const out = join(tmp, `m${seq++}.pb.gz`);
  await run(binary, ["merge", ...rows.map((r) => r.path), "-o", out], { maxBuffer: 1 << 26 });
  return out;
}

/** The payload of the page the binary writes (gzip+base64 in #lambdascope-data). */
async function pagePayload(cmd, inputs) {
  const out = join(tmp, `p${seq++}.html`);
  await run(binary, [cmd, ...inputs, "-o", out], { maxBuffer: 1 << 26 });
  const html = readFileSync(out, "utf8");
  const m = /id="lambdascope-data" data-encoding="gzip\+base64">([^<]*)</.exec(html);
  if (!m) throw new Error(`no payload in ${cmd}'s page`);
  return JSON.parse(gunzipSync(Buffer.from(m[1], "base64")).toString("utf8"));
}

function scale(profile, f) {
  profile.samples.values = profile.samples.values.map((col) => col.map((v) => v * f));
}

async function folded(rows) {
  const { stdout } = await run(binary, ["collapse", await merged(rows)], { maxBuffer: 1 << 28 });
  return stdout;
}

/** Per function: samples where it is the leaf (self) and samples where it is on the stack (total). */
function functionCounts(text) {
  const self = new Map(),
    total = new Map();
  for (const line of text.split("\n")) {
    const sp = line.lastIndexOf(" ");
    if (sp < 0) continue;
    const n = Number(line.slice(sp + 1)),
      frames = line.slice(0, sp).split(";");
    self.set(frames.at(-1), (self.get(frames.at(-1)) ?? 0) + n);
    for (const f of new Set(frames)) total.set(f, (total.get(f) ?? 0) + n);
  }
  return { self, total };
}

async function whySlow(q) {
  const fn = q.get("function");
  if (!fn) throw new BadParam("function", "function is required");
  const inv = select(new URLSearchParams({ function: fn, phase: "invoke" })).sort(
    (a, b) => a.duration_ms - b.duration_ms,
  );
  if (inv.length < 5) throw new BadParam("function", "fewer than 5 invocations");
  const nSlow = Math.max(3, Math.ceil(inv.length / 10));
  const slow = inv.slice(inv.length - nSlow);
  const fast = inv.slice(
    Math.floor(inv.length * 0.4),
    Math.max(Math.floor(inv.length * 0.4) + 1, Math.ceil(inv.length * 0.6)),
  );
  const period = 1000 / 199; // ms per sample: the tests record at 199 Hz
  const [fs, ss] = [functionCounts(await folded(fast)), functionCounts(await folded(slow))];
  const names = new Set([...fs.total.keys(), ...ss.total.keys()]);
  const rows = [...names].map((name) => {
    const st = ss.total.get(name) ?? 0,
      ft = ft0(fs, name);
    const sSelf = ss.self.get(name) ?? 0,
      fSelf = fs.self.get(name) ?? 0;
    const slowMs = (st * period) / slow.length,
      fastMs = (ft * period) / fast.length;
    // Poisson counts: a per-invocation gap under two standard deviations is noise.
    const sd = Math.sqrt(st / slow.length ** 2 + ft / fast.length ** 2) * period;
    return {
      name,
      slow_ms_per_invocation: slowMs,
      fast_ms_per_invocation: fastMs,
      extra_ms_per_invocation: slowMs - fastMs,
      self_extra_ms_per_invocation: (sSelf * period) / slow.length - (fSelf * period) / fast.length,
      total_extra_ms_per_invocation: slowMs - fastMs,
      slow_samples: st,
      fast_samples: ft,
      noise: Math.abs(slowMs - fastMs) < 2 * sd,
    };
  });
  rows.sort((a, b) => b.self_extra_ms_per_invocation - a.self_extra_ms_per_invocation);
  const sel = (rs) =>
    [`function=${encodeURIComponent(fn)}`, ...rs.map((r) => `key=${encodeURIComponent(r.key)}`)].join("&");
  const group = (rs) => ({
    invocations: rs.length,
    p50_ms: pct(
      rs.map((r) => r.duration_ms),
      50,
    ),
    selection: sel(rs),
  });
  return { slow: group(slow), fast: group(fast), functions: rows };
}
const ft0 = (c, name) => c.total.get(name) ?? 0;

function filesList() {
  if (!filesDir) return [];
  return walk(filesDir).map((p) => {
    const name = relative(filesDir, p).split(sep).join("/");
    const format = /\.pb(\.gz)?$/.test(name)
      ? "pprof"
      : /perf/.test(name)
        ? "perf-script"
        : /folded|\.txt$/.test(name)
          ? "folded"
          : "auto";
    return { name, format, bytes: statSync(p).size };
  });
}

function fileSelection(q) {
  const name = q.get("file");
  const f = filesList().find((x) => x.name === name);
  if (!f) return null;
  return join(filesDir, f.name);
}

async function answerPayload(res, q, build) {
  const progress = q.get("progress") === "1";
  if (!progress) return json(res, 200, await build(() => {}));
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  try {
    const p = await build((done, total) => res.write(JSON.stringify({ progress: { done, total } }) + "\n"));
    res.end(JSON.stringify({ payload: p }) + "\n");
  } catch (e) {
    res.end(JSON.stringify({ error: e.message }) + "\n");
  }
}

function json(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const shell = () => {
  const payload = JSON.stringify({
    format: "lambdascope-page",
    version: 1,
    page: "serve",
    title: "lambdascope",
    api: "/api",
  });
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>lambdascope</title>\n<meta name="viewport" content="width=device-width, initial-scale=1"></head>\n<body>\n<div id="lambdascope-app"></div>\n<script type="application/octet-stream" id="lambdascope-data" data-encoding="json">${payload.replace(/</g, "\\u003c")}</script>\n<script>${bundle}</script>\n</body></html>\n`;
};

async function handle(req, res) {
  const url = new URL(req.url, "http://x");
  const q = url.searchParams;
  const p = url.pathname;
  if (p === "/" || /^\/(f|why-slow|i|file)\/./.test(p)) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end(shell());
  }
  if (p === "/api/functions") {
    const by = new Map();
    for (const r of listStore()) {
      if (!by.has(r.fn)) by.set(r.fn, []);
      by.get(r.fn).push(r);
    }
    const functions = [...by].map(([name, rs]) => {
      const d = rs
        .filter((r) => r.phase === "invoke")
        .map((r) => r.duration_ms)
        .sort((a, b) => a - b);
      return {
        name,
        invocations: d.length,
        inits: rs.length - d.length,
        p50_ms: pct(d, 50),
        p90_ms: pct(d, 90),
        p99_ms: pct(d, 99),
        first_ms: rs[0].start_ms,
        last_ms: rs.at(-1).start_ms,
      };
    });
    return json(res, 200, { functions });
  }
  if (p === "/api/files") return json(res, 200, { files: filesList() });
  if (p === "/api/invocations") {
    let rs = select(q);
    if (q.get("order") === "duration") rs = rs.sort((a, b) => b.duration_ms - a.duration_ms);
    const limit = num(q, "limit") ?? 1000;
    return json(res, 200, {
      total: rs.length,
      invocations: rs.slice(0, limit).map(({ key, start_ms, duration_ms, phase, request_id }) => ({
        key,
        start_ms,
        duration_ms,
        phase,
        request_id,
      })),
    });
  }
  if (p === "/api/profile") {
    const file = q.get("file") ? fileSelection(q) : null;
    if (q.get("file") && !file) return json(res, 404, { error: "no such file" });
    const rows = file ? [] : select(q);
    if (!file && !rows.length) return json(res, 404, { error: "the selection holds no profile" });
    if (q.get("format") === "pprof") {
      const out = file ?? (await merged(rows));
      res.writeHead(200, { "content-type": "application/octet-stream" });
      return res.end(readFileSync(out));
    }
    const view = q.get("view") === "heatmap" ? "heatmap" : "flamegraph";
    return answerPayload(res, q, async (progress) => {
      progress(0, rows.length || 1);
      const p = await pagePayload(view, [file ?? (rows.length === 1 ? rows[0].path : await merged(rows))]);
      progress(rows.length || 1, rows.length || 1);
      return p;
    });
  }
  if (p === "/api/diff") {
    const base = select(new URLSearchParams(q.get("base") ?? "")),
      neu = select(new URLSearchParams(q.get("new") ?? ""));
    if (!base.length) throw new BadParam("base", "base selects no profile");
    if (!neu.length) throw new BadParam("new", "new selects no profile");
    return answerPayload(res, q, async (progress) => {
      const total = base.length + neu.length;
      progress(0, total);
      const b = await merged(base);
      progress(base.length, total);
      const n = await merged(neu);
      progress(total, total);
      const payload = await pagePayload("diff", [b, n]);
      if (q.get("normalize") === "invocations") {
        scale(payload.profiles[0], 1 / base.length);
        scale(payload.profiles[1], 1 / neu.length);
        payload.options.diff_normalize = false;
      }
      return payload;
    });
  }
  if (p === "/api/why-slow") return json(res, 200, await whySlow(q));
  return json(res, 404, { error: `no route ${p}` });
}

const server = createServer((req, res) => {
  handle(req, res).catch((e) => {
    if (res.headersSent) return res.end();
    if (e instanceof BadParam) json(res, 400, { error: e.message, parameter: e.parameter });
    else json(res, 500, { error: e.message });
  });
});
server.listen(Number(args.port ?? 0), "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}/`);
});
const stop = () => {
  server.close();
  rmSync(tmp, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
