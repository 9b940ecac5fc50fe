#!/usr/bin/env node
// First paint of a big flame graph in headless Chromium: our page (one file from file://, payload gzip+base64
// inline) against speedscope's release app (served from 127.0.0.1, the same profile as speedscope JSON).
//
// Measured from navigation start (performance.timeOrigin) to the first frame that shows the graph: after the
// first complete drawing, the next animation frame renders it, and a task queued from that frame's callback
// runs once it is rendered; that task's time is the number. Ours reports it (window.lambdascope.firstFrame);
// for speedscope an init script applies the same rule from its first WebGL draw call (if that call is made
// inside an animation frame callback, this counts one frame, ~16 ms, more for speedscope). For a big graph our
// first frame may use a coarse layout (frames under 1/16 px left out, the rest exactly placed); the table
// also gives the time until the full layout is drawn. Median of N fresh page loads.
//
//   node bench/web_first_paint.mjs [--nodes 500000] [--runs 7] [--page FILE.html] [--cli LAMBDASCOPE] [--no-speedscope]
// --cli also measures the page `lambdascope flamegraph` writes from the same profile (as speedscope JSON).
// Env: LS_SOURCE_DIR (default: this repo), LS_BUILD_DIR (work files; default build/).
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launch } from "../tests/e2e/web_lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const SRC = resolve(process.env.LS_SOURCE_DIR ?? resolve(here, ".."));
const WORK = join(resolve(process.env.LS_BUILD_DIR ?? join(SRC, "build")), "web-bench");
mkdirSync(WORK, { recursive: true });

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const NODES = Number(opt("--nodes", 500000));
const RUNS = Number(opt("--runs", 7));
const withSpeedscope = !args.includes("--no-speedscope");
const cliBinary = opt("--cli", null);

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => `${Math.round(ms).toLocaleString("en-US")} ms`;
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

// ---- the inputs ----
const { buildBundle } = await import(pathToFileURL(join(SRC, "web/dev/bundle.mjs")).href);
const P = await import(pathToFileURL(join(SRC, "web/dev/payload.mjs")).href);
const profile = P.wideProfile(NODES);
let ourPage = opt("--page", null);
if (!ourPage) {
  const bundle = readFileSync(await buildBundle(join(WORK, "lambdascope-web.js")), "utf8");
  ourPage = join(WORK, `flamegraph-${NODES}.html`);
  writeFileSync(
    ourPage,
    P.makeHtml(P.makePayload("flamegraph", [profile], { title: `synthetic: ${NODES} stack nodes` }), bundle),
  );
}
const speedscopeJson = join(WORK, `profile-${NODES}.speedscope.json`);
if (withSpeedscope || cliBinary)
  writeFileSync(speedscopeJson, JSON.stringify(P.toSpeedscopeEvented(profile, `synthetic ${NODES}`)));
let cliPage = null;
if (cliBinary) {
  cliPage = join(WORK, `cli-flamegraph-${NODES}.html`);
  execFileSync(cliBinary, ["flamegraph", speedscopeJson, "-o", cliPage], { stdio: ["ignore", "ignore", "inherit"] });
}

// ---- a local server for speedscope (its release app and the profile), no caching ----
const release = join(SRC, "node_modules/speedscope/dist/release");
const types = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".ico": "image/x-icon",
};
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const file = path === "/profile.json" ? speedscopeJson : join(release, path === "/" ? "index.html" : path);
  try {
    const body = readFileSync(file);
    res.writeHead(200, {
      "content-type": types[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-store",
    });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const port = server.address().port;

const SPEEDSCOPE_PROBE = `
  (() => {
    window.__firstDraw = null; window.__firstFrame = null;
    const hook = (C) => {
      if (!C) return;
      for (const m of ["drawArrays", "drawElements"]) {
        const orig = C.prototype[m];
        C.prototype[m] = function (...a) {
          if (window.__firstDraw === null) {
            window.__firstDraw = performance.now();
            // The same rule as our page's: next animation frame, then a task queued from it.
            requestAnimationFrame(() => setTimeout(() => { window.__firstFrame = performance.now(); }, 0));
          }
          return orig.apply(this, a);
        };
      }
    };
    hook(window.WebGLRenderingContext); hook(window.WebGL2RenderingContext);
  })();`;

const { context, close } = await launch(SRC, { allowLocal: true });
const results = { ours: [], oursDraw: [], oursComplete: [], cli: [], speedscope: [] };
async function measureOurs(file, out) {
  for (let i = 0; i < RUNS; i++) {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(
      () => window.lambdascope && (window.lambdascope.firstFrame || window.lambdascope.error),
      null,
      { timeout: 120000 },
    );
    await page.waitForFunction(() => window.lambdascope.complete || window.lambdascope.error, null, {
      timeout: 120000,
    });
    const r = await page.evaluate(() => ({
      frame: window.lambdascope.firstFrame,
      draw: window.lambdascope.firstPaint,
      complete: window.lambdascope.complete,
      error: window.lambdascope.error,
      nodes: window.lambdascope.state().nodes,
    }));
    if (r.error || errors.length) throw new Error(`our page failed: ${r.error ?? errors.join("; ")}`);
    if (r.nodes < NODES) throw new Error(`our page laid out ${r.nodes} nodes, expected ${NODES + 1}`);
    out.frame.push(r.frame);
    out.draw?.push(r.draw);
    out.complete?.push(r.complete);
    await page.close();
  }
}
try {
  await measureOurs(ourPage, { frame: results.ours, draw: results.oursDraw, complete: results.oursComplete });
  if (cliPage) await measureOurs(cliPage, { frame: results.cli });
  if (withSpeedscope) {
    for (let i = 0; i < RUNS; i++) {
      const page = await context.newPage();
      await page.addInitScript(SPEEDSCOPE_PROBE);
      await page.goto(
        `http://127.0.0.1:${port}/index.html#profileURL=${encodeURIComponent(`http://127.0.0.1:${port}/profile.json`)}`,
      );
      await page.waitForFunction(() => window.__firstFrame !== null, null, { timeout: 300000 });
      const t = await page.evaluate(() => window.__firstFrame);
      const text = await page.evaluate(() => document.body.innerText);
      if (!text.includes(`synthetic ${NODES}`))
        throw new Error(`speedscope did not show the profile: ${text.slice(0, 200)}`);
      results.speedscope.push(t);
      await page.close();
    }
  }
} finally {
  await close();
  server.close();
}

const ours = median(results.ours);
const rows = [["lambdascope (this page)", `flame graph HTML, ${mb(statSync(ourPage).size)}, file://`, results.ours]];
if (cliPage)
  rows.push([
    "lambdascope (page written by the CLI)",
    `\`lambdascope flamegraph\` of the JSON, ${mb(statSync(cliPage).size)}, file://`,
    results.cli,
  ]);
if (withSpeedscope)
  rows.push([
    `speedscope ${JSON.parse(readFileSync(join(SRC, "node_modules/speedscope/package.json"), "utf8")).version}`,
    `evented JSON, ${mb(statSync(speedscopeJson).size)}, 127.0.0.1`,
    results.speedscope,
  ]);
const chromium = await (async () => {
  try {
    return readFileSync("/usr/lib/chromium/chromium", { encoding: null }).length ? "Debian Chromium" : "Chromium";
  } catch {
    return "Chromium";
  }
})();
console.log(
  `\nFirst paint of a ${NODES.toLocaleString("en-US")}-node flame graph, headless ${chromium} (software rendering, --disable-gpu), median of ${RUNS} loads\n`,
);
console.log("| viewer | input | median | min | max | vs lambdascope |");
console.log("|---|---|---:|---:|---:|---:|");
for (const [name, input, v] of rows) {
  const m = median(v);
  console.log(
    `| ${name} | ${input} | ${fmt(m)} | ${fmt(Math.min(...v))} | ${fmt(Math.max(...v))} | ${(m / ours).toFixed(2)}× |`,
  );
}
console.log(
  `\nlambdascope medians: first canvas drawing done ${fmt(median(results.oursDraw))}; first frame ${fmt(ours)}; full layout drawn ${fmt(median(results.oursComplete))}.`,
);
