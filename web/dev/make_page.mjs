#!/usr/bin/env node
// Dev harness CLI: writes a lambdascope page without the C++ side.
//   node web/dev/make_page.mjs flamegraph --folded FILE -o out.html
//   node web/dev/make_page.mjs heatmap --perf perf.txt -o out.html
//   node web/dev/make_page.mjs diff --folded BASE --folded NEW -o out.html
//   node web/dev/make_page.mjs flamegraph --synthetic wide [--nodes 500000] -o out.html
//   node web/dev/make_page.mjs flamegraph --synthetic deep [--depth 2500] -o out.html
//   node web/dev/make_page.mjs heatmap --synthetic timed [--seconds 30] -o out.html
// Options: --bundle FILE (default: build it), --json (data-encoding json), --title T, --option key=value
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { buildBundle } from "./bundle.mjs";
import {
  deepProfile,
  fromFolded,
  fromPerfScript,
  makeHtml,
  makePayload,
  timedProfile,
  wideProfile,
} from "./payload.mjs";

function readText(path) {
  const buf = readFileSync(path);
  return (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString("utf8");
}

const args = process.argv.slice(2);
const page = args.shift();
if (!["flamegraph", "heatmap", "diff"].includes(page)) {
  console.error(
    "usage: make_page.mjs flamegraph|heatmap|diff (--folded F | --perf F | --synthetic wide|deep|timed)... -o OUT",
  );
  process.exit(2);
}
const profiles = [];
let out = null,
  bundlePath = null,
  encoding = "gzip+base64",
  title = null;
const options = {};
const num = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--folded") profiles.push(fromFolded(readText(args[++i])));
  else if (a === "--perf") profiles.push(fromPerfScript(readText(args[++i])));
  else if (a === "--synthetic") {
    const kind = args[++i];
    if (kind === "wide") profiles.push(wideProfile(num("--nodes", 500000)));
    else if (kind === "deep") profiles.push(deepProfile(num("--depth", 2500)));
    else if (kind === "timed") profiles.push(timedProfile(num("--seconds", 30), num("--hz", 499)));
    else throw new Error(`unknown synthetic profile ${kind}`);
  } else if (a === "-o") out = args[++i];
  else if (a === "--bundle") bundlePath = args[++i];
  else if (a === "--json") encoding = "json";
  else if (a === "--title") title = args[++i];
  else if (a === "--option") {
    const [k, v] = args[++i].split("=");
    options[k] = v === "true" ? true : v === "false" ? false : /^\d+$/.test(v) ? Number(v) : v;
  } else if (["--nodes", "--depth", "--seconds", "--hz"].includes(a)) i++;
  else throw new Error(`unknown argument ${a}`);
}
if (!out || profiles.length === 0) throw new Error("need an input and -o OUT");
const bundle = readFileSync(bundlePath ?? (await buildBundle()), "utf8");
const payload = makePayload(page, profiles, {
  title: title ?? `${page}: ${args.filter((a) => !a.startsWith("-")).join(" ")}`,
  options,
});
writeFileSync(out, makeHtml(payload, bundle, encoding));
console.log(
  `${out}: ${profiles.map((p) => `${p.parent.length} stack nodes, ${p.samples.stack.length} samples`).join("; ")}`,
);
