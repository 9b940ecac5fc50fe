// The SVG flame graph's embedded script in headless Chromium: `lambdascope flamegraph` writes SVGs from folded
// data, the browser opens them from file://, and the checks click, hover, search and reset the way a user
// does. Expected numbers come from the folded input, not from the SVG. Exit code 1 on any failed check.
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, openPage } from "./web_lib.mjs";

const SRC = process.env.LS_SOURCE_DIR;
const DATA = process.env.LS_SHARED_DATA;
const BIN = process.env.LS_BINARY;
const out = mkdtempSync(join(tmpdir(), "ls-render-svg-"));
let failed = 0;
function check(name, ok, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || !detail ? "" : `\n     ${detail}`}`);
  if (!ok) failed++;
}
const cli = (args) => execFileSync(BIN, args, { encoding: "utf8", maxBuffer: 1 << 28 });

// folded text -> [{frames, count}]; frames without their _[k]/_[j]/_[i] annotation, as the SVG shows them.
function parseFolded(text) {
  const out = [];
  for (const line of text.split("\n")) {
    const m = /^(.*) (\d+(?:\.\d*)?)$/.exec(line.trimEnd());
    if (!m) continue;
    out.push({ frames: m[1].split(";").map((f) => f.replace(/_\[[kjiw]\]$/, "")), count: Number(m[2]) });
  }
  return out;
}

const foldedPath = join(DATA, "perf-script/inferno-tests/results/example-perf-stacks-collapsed.txt");
const folded = parseFolded(readFileSync(foldedPath, "utf8"));
const total = folded.reduce((s, l) => s + l.count, 0);
const svgPath = join(out, "flame.svg");
cli(["flamegraph", "--minwidth", "0", foldedPath, "-o", svgPath]);
const hostile = join(out, "hostile.folded");
writeFileSync(hostile, 'app;</script><script>window.pwned=1</script>;a&b "q" 3\napp;plain 1\n');
const hostileSvg = join(out, "hostile.svg");
cli(["flamegraph", hostile, "-o", hostileSvg]);

const { context, close } = await launch(SRC);
try {
  const { page, problems } = await openPage(context, svgPath, { wait: false });
  await page.waitForFunction(() => typeof ls !== "undefined" && ls.nodes.length > 0);
  check("svg: loads from file:// with no console errors", problems.length === 0, problems.join("\n"));
  const groups = await page.evaluate(() => document.querySelectorAll("#frames > g").length);
  check("svg: the script knows every frame", (await page.evaluate(() => ls.nodes.length)) === groups && groups > 100);

  // Hover shows the frame's details.
  const target = "JavaThread::run";
  const g = page
    .locator("#frames > g", { has: page.locator("title", { hasText: new RegExp(`^${target} \\(`) }) })
    .first();
  await g.hover();
  const details = await page.textContent("#details");
  check("svg: hover shows the frame's details", details.startsWith(`Function: ${target} (`), details);

  // Click zooms: the frame spans the width, callers turn into faded parents, frames elsewhere hide.
  await g.click();
  const z = await page.evaluate((name) => {
    const n = ls.nodes.find((x) => x.name === name);
    const hidden = ls.nodes.filter((x) => x.g.style.display === "none").length;
    const parents = ls.nodes.filter((x) => x.g.classList.contains("parent")).length;
    return {
      x: n.rect.getAttribute("x"),
      w: n.rect.getAttribute("width"),
      hidden,
      parents,
      unzoom: document.getElementById("unzoom").classList.contains("hide"),
      label: n.text.textContent,
    };
  }, target);
  check("svg: click zooms the frame to the full width", z.x === "0.0000%" && z.w === "100.0000%", JSON.stringify(z));
  check("svg: zooming hides frames outside and fades the callers", z.hidden > 0 && z.parents > 0, JSON.stringify(z));
  check("svg: zooming shows Reset Zoom and the full label", !z.unzoom && z.label === target, JSON.stringify(z));
  await page.click("#unzoom");
  const r = await page.evaluate(() => ({
    hidden: ls.nodes.filter((x) => x.g.style.display === "none").length,
    restored: ls.nodes.every((x) => Math.abs(parseFloat(x.rect.getAttribute("width")) - (100 * x.w) / ls.total) < 1e-3),
  }));
  check("svg: Reset Zoom restores every frame", r.hidden === 0 && r.restored, JSON.stringify(r));

  // Ctrl-F searches by regex: matched frames take the search color; "Matched" is the share of samples whose
  // stack has a matching frame (nested matches counted once).
  const term = "^(Ljava|java)/";
  await page.evaluate((t) => {
    window.prompt = () => t;
  }, term);
  await page.keyboard.press("Control+f");
  const re = new RegExp(term);
  const covered = folded.filter((l) => l.frames.some((f) => re.test(f))).reduce((s, l) => s + l.count, 0);
  const want = `Matched: ${((100 * covered) / total).toFixed(1)}%`;
  const got = await page.textContent("#matched");
  check(
    "svg: Ctrl-F reports the matched share of samples",
    got === want && covered > 0,
    `page "${got}", folded "${want}"`,
  );
  const colored = await page.evaluate((t) => {
    const rx = new RegExp(t);
    return ls.nodes.every((n) => (n.rect.getAttribute("fill") === ls.searchcolor) === (!n.root && rx.test(n.name)));
  }, term);
  check("svg: exactly the matching frames are highlighted", colored);
  await page.keyboard.press("Control+i");
  const ci = await page.textContent("#matched");
  check("svg: Ctrl-I searches again ignoring case", ci.startsWith("Matched: "), ci);
  await page.keyboard.press("Escape");
  const reset = await page.evaluate(() => ({
    matched: document.getElementById("matched").textContent,
    fills: ls.nodes.every((n) => n.rect.getAttribute("fill") === n.fill),
  }));
  check("svg: Escape clears the search", reset.matched === " " && reset.fills, JSON.stringify(reset));
  await page.close();

  // Hostile frame names are text, never markup.
  const h = await openPage(context, hostileSvg, { wait: false });
  await h.page.waitForFunction(() => typeof ls !== "undefined" && ls.nodes.length > 0);
  const names = await h.page.evaluate(() => ls.nodes.map((n) => n.name));
  check("svg: hostile names load without errors", h.problems.length === 0, h.problems.join("\n"));
  check(
    "svg: hostile names stay text",
    names.includes("</script><script>window.pwned=1</script>") &&
      names.includes('a&b "q"') &&
      (await h.page.evaluate(() => window.pwned === undefined)),
    JSON.stringify(names),
  );
  await h.page.close();
} finally {
  await close();
  rmSync(out, { recursive: true, force: true });
}
if (failed) {
  console.log(`${failed} check(s) failed`);
  process.exit(1);
}
