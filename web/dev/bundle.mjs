// Builds the web UI bundle exactly as the project does: one minified IIFE from web/src/main.ts.
// Usage: node web/dev/bundle.mjs [OUT.js]   (default: build/web/lambdascope-web.js)
import { build } from "esbuild";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export async function buildBundle(out = resolve(root, "build/web/lambdascope-web.js")) {
  mkdirSync(dirname(out), { recursive: true });
  await build({
    entryPoints: [resolve(root, "web/src/main.ts")],
    bundle: true,
    minify: true,
    format: "iife",
    target: "es2020",
    outfile: out,
    logLevel: "warning",
  });
  const text = readFileSync(out, "utf8");
  if (/<\/script/i.test(text)) throw new Error("the bundle contains </script; the page writer would refuse it");
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildBundle(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(out);
}
