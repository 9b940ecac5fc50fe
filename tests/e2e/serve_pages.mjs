// The serve pages in headless Chromium over a store the extension wrote through `lambdascope local`: home
// lists the function; brushing the latency heat map selects invocations and the flame graph below shows their
// handler; a row click selects one; the why-slow page ranks the planted slow function first; the invocation
// and file pages draw; no console errors anywhere. Screenshots: $LS_BUILD_DIR/serve-screenshots/.
// Env: LS_SERVE_URL (a running `lambdascope serve` or tests/e2e/lib/serve_fixture.mjs), LS_SOURCE_DIR,
// LS_BUILD_DIR, LS_SLOW_FN (the planted slow function), LS_FAST_FN, LS_FUNCTION, LS_FILE (a file name served).
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { launch, settle } from "./web_lib.mjs";

const SRC = resolve(process.env.LS_SOURCE_DIR ?? ".");
const BASE = process.env.LS_SERVE_URL.replace(/\/$/, "");
const SHOTS = join(resolve(process.env.LS_BUILD_DIR ?? join(SRC, "build")), "serve-screenshots");
const FN = process.env.LS_FUNCTION;
const SLOW = process.env.LS_SLOW_FN;
const FAST = process.env.LS_FAST_FN;
const FILE = process.env.LS_FILE ?? "";
const LONG = 120000; // generous: the machine may be busy
mkdirSync(SHOTS, { recursive: true });

let passes = 0,
  failures = 0;
function check(name, ok, detail = "") {
  if (ok) passes++;
  else failures++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${!ok && detail ? `\n     ${detail}` : ""}`);
}

const { context, close } = await launch(SRC, { allowLocal: true, viewport: { width: 1400, height: 1000 } });

async function open(path, name) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  // A merge cancelled by a newer selection is aborted on purpose; any other failed request is a problem.
  page.on("requestfailed", (r) => {
    if (!(r.failure()?.errorText === "net::ERR_ABORTED" && r.url().includes("/api/")))
      problems.push(`request failed: ${r.url()}`);
  });
  await page.goto(BASE + path);
  await page.waitForFunction(() => window.lambdascope && (window.lambdascope.ready || window.lambdascope.error), null, {
    timeout: LONG,
  });
  const err = await page.evaluate(() => window.lambdascope.error);
  check(`${name}: the page builds`, !err, err ?? "");
  return { page, problems };
}

async function shot(page, name) {
  await settle(page);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Waits for the flame area of the page to have finished `n` loads; returns the frames matching `re`. */
async function framesAfterLoad(page, n, re) {
  await page.waitForFunction(
    (n) => window.lambdascope.serve.area.loads >= n && !window.lambdascope.serve.area.busy,
    n,
    {
      timeout: LONG,
    },
  );
  await settle(page);
  return page.evaluate((re) => window.lambdascope.findFrames(re).map((f) => f.name), re);
}

try {
  // Home.
  {
    const { page, problems } = await open("/", "home");
    const links = await page.$$eval("a", (as) => as.map((a) => [a.textContent, a.getAttribute("href")]));
    check(
      "home: lists the function with a link to its page",
      links.some(([t, h]) => t === FN && h === `/f/${encodeURIComponent(FN)}`),
      JSON.stringify(links),
    );
    const cells = await page.$$eval("table[aria-label=Functions] tbody td", (tds) => tds.map((t) => t.textContent));
    check(
      "home: the function's row shows its invocation count",
      cells.length > 3 && /^\d+$/.test(cells[1]) && Number(cells[1]) > 0,
      JSON.stringify(cells),
    );
    if (FILE)
      check(
        "home: lists the profile file",
        links.some(([t]) => t === FILE),
        JSON.stringify(links),
      );
    await shot(page, "home");
    check("home: no console errors", problems.length === 0, problems.join("\n"));
    await page.close();
  }

  // Function: brush over every invocation, then a row.
  {
    const { page, problems } = await open(`/f/${encodeURIComponent(FN)}`, "function");
    const rows = await page.evaluate(() => window.lambdascope.serve.rows());
    check("function: the invocations are listed", rows.length >= 10, `${rows.length}`);
    await framesAfterLoad(page, 1, ".");
    const invokes = rows.filter((r) => r.phase === "invoke");
    const t0 = Math.min(...invokes.map((r) => r.start_ms)),
      t1 = Math.max(...invokes.map((r) => r.start_ms));
    const d0 = Math.min(...invokes.map((r) => r.duration_ms)),
      d1 = Math.max(...invokes.map((r) => r.duration_ms));
    const a = await page.evaluate(([t, d]) => window.lambdascope.serve.heatPoint(t, d), [t0, d0]);
    const b = await page.evaluate(([t, d]) => window.lambdascope.serve.heatPoint(t, d), [t1, d1]);
    await page.mouse.move(a.x - 2, a.y + 2);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 });
    await page.mouse.move(b.x + 2, b.y - 2, { steps: 4 });
    await page.mouse.up();
    const sel = await page.evaluate(() => window.lambdascope.serve.selected());
    check(
      "function: brushing the heat map selects the invocations inside",
      sel.a.length >= invokes.length,
      `${sel.a.length} of ${invokes.length}`,
    );
    check("function: the selection is in the URL", (await page.evaluate(() => location.search)).includes("a="));
    const names = await framesAfterLoad(page, 2, "handler|burn_r");
    check(
      "function: the flame graph of the selection shows the handler",
      names.some((n) => /handler/.test(n)),
      names.join(", "),
    );
    check(
      "function: ... and both burning functions",
      [SLOW, FAST].every((f) => names.some((n) => n.includes(f))),
      names.join(", "),
    );
    const dl = await page.$eval("a[download]", (x) => x.getAttribute("href"));
    check(
      "function: a pprof download link for the selection",
      /format=pprof/.test(dl) && /since=/.test(decodeURIComponent(dl)),
      dl,
    );
    await shot(page, "function");
    // One row of a slow invocation: the graph then holds the slow function only.
    // The longest invoke row (sorted by duration, longest first; init profiles are marked and skipped).
    const slowRow = await page.$("table[aria-label=Invocations] tbody tr:not(:has(.sv-init))");
    await (await slowRow.$("td")).click();
    const one = await framesAfterLoad(page, 3, "burn_r");
    check(
      "function: a row click selects that invocation alone",
      one.length > 0 && one.every((n) => n.includes(SLOW)),
      one.join(", "),
    );
    // Keyboard, and a newer selection cancelling an older merge: Enter on a fast row, then at once Enter on
    // the slow row above it; the graph must end on the slow one alone.
    const loads = await page.evaluate(() => window.lambdascope.serve.area.loads);
    const fastRow = await page.$("table[aria-label=Invocations] tbody tr:not(:has(.sv-init)):last-child");
    await fastRow.focus();
    await page.keyboard.press("Enter");
    await (await page.$("table[aria-label=Invocations] tbody tr:not(:has(.sv-init))")).focus();
    await page.keyboard.press("Enter");
    const last = await framesAfterLoad(page, loads + 1, "burn_r");
    check(
      "function: rows select from the keyboard; the newest selection wins",
      last.length > 0 && last.every((n) => n.includes(SLOW)),
      last.join(", "),
    );
    check("function: no console errors", problems.length === 0, problems.join("\n"));
    await page.close();
  }

  // Why slow.
  {
    const { page, problems } = await open(`/why-slow/${encodeURIComponent(FN)}`, "why-slow");
    const first = await page.$eval(
      "table[aria-label^='Functions by extra'] tbody tr td:nth-child(2)",
      (td) => td.textContent,
    );
    check("why-slow: the planted slow function ranks first", first.includes(SLOW), first);
    const answer = await page.$eval(".sv-answer", (e) => e.textContent);
    check("why-slow: the answer names it", answer.includes(SLOW), answer);
    const names = await framesAfterLoad(page, 1, "burn_r");
    const st = await page.evaluate(() => window.lambdascope.state());
    check(
      "why-slow: a differential flame graph below",
      st.diff === true && names.some((n) => n.includes(SLOW)),
      JSON.stringify(st),
    );
    await shot(page, "why-slow");
    check("why-slow: no console errors", problems.length === 0, problems.join("\n"));
    await page.close();
  }

  // Invocation and file.
  {
    const rows = await (
      await fetch(`${BASE}/api/invocations?function=${encodeURIComponent(FN)}&phase=invoke&order=duration&limit=1`)
    ).json();
    const { page, problems } = await open(`/i/${encodeURIComponent(rows.invocations[0].key)}`, "invocation");
    const names = await framesAfterLoad(page, 1, "burn_r");
    check(
      "invocation: its flame graph holds its function",
      names.some((n) => n.includes(SLOW)),
      names.join(", "),
    );
    check(
      "invocation: a sub-second timeline",
      await page.evaluate(() => !!window.lambdascope.heatmap?.grid()),
      await page.evaluate(() => window.lambdascope.serve.timelineError),
    );
    await shot(page, "invocation");
    check("invocation: no console errors", problems.length === 0, problems.join("\n"));
    await page.close();
  }
  if (FILE) {
    const { page, problems } = await open(`/file/${encodeURIComponent(FILE)}`, "file");
    await framesAfterLoad(page, 1, ".");
    const g = await page.evaluate(() => window.lambdascope.heatmap?.grid());
    check("file: the sub-second heat map", !!g && g.total > 0, JSON.stringify(g));
    const c = await page.evaluate(() => window.lambdascope.heatmap.cellCenter(0, 0));
    const c2 = await page.evaluate(() => window.lambdascope.heatmap.cellCenter(1, 49));
    await page.mouse.move(c.x, c.y);
    await page.mouse.down();
    await page.mouse.move(c2.x, c2.y, { steps: 4 });
    await page.mouse.up();
    const s = await page.evaluate(() => window.lambdascope.state());
    check("file: dragging a range selects it", !!s.selection, JSON.stringify(s.selection));
    await shot(page, "file");
    check("file: no console errors", problems.length === 0, problems.join("\n"));
    await page.close();
  }
} catch (e) {
  check("the test ran to its end", false, e.stack);
} finally {
  await close();
}
console.log(`\n${passes} passed, ${failures} failed; screenshots in ${SHOTS}`);
process.exit(failures ? 1 : 0);
