// The README's screenshots of `lambdascope serve`: the function page with the slow invocations brushed (A) against
// the rest (B), and the why-slow page.
// Usage: node web/dev/serve_shots.mjs URL FUNCTION OUT_DIR   (e.g. after `make demo` with DEMO_SERVE=1)
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launch, settle } from "../../tests/e2e/web_lib.mjs";

const [url, fn, out] = process.argv.slice(2);
const root = resolve(fileURLToPath(import.meta.url), "../../..");
const { context, close } = await launch(root, { allowLocal: true, viewport: { width: 1400, height: 1100 } });
const ready = (page) =>
  page.waitForFunction(() => window.lambdascope?.ready && !window.lambdascope.serve?.area?.busy, null, {
    timeout: 120000,
  });
try {
  const page = await context.newPage();
  await page.goto(`${url.replace(/\/$/, "")}/f/${encodeURIComponent(fn)}`);
  await ready(page);
  const rows = (await page.evaluate(() => window.lambdascope.serve.rows())).filter((r) => r.phase === "invoke");
  const d = rows.map((r) => r.duration_ms).sort((a, b) => a - b);
  const t = rows.map((r) => r.start_ms);
  const cut = d[Math.floor(d.length * 0.8)];
  const brush = async (d0, d1, shift) => {
    const a = await page.evaluate(([t, d]) => window.lambdascope.serve.heatPoint(t, d), [Math.min(...t), d0]);
    const b = await page.evaluate(([t, d]) => window.lambdascope.serve.heatPoint(t, d), [Math.max(...t), d1]);
    if (shift) await page.keyboard.down("Shift");
    await page.mouse.move(a.x - 2, a.y + 2);
    await page.mouse.down();
    await page.mouse.move(b.x + 2, b.y - 2, { steps: 6 });
    await page.mouse.up();
    if (shift) await page.keyboard.up("Shift");
    await ready(page);
  };
  await brush(d[0], d[Math.floor(d.length * 0.6)], true); // B: the typical ones
  await brush(cut, d[d.length - 1], false); // A: the slow ones
  await settle(page);
  await page.screenshot({ path: join(out, "serve-function.png") });
  await page.goto(`${url.replace(/\/$/, "")}/why-slow/${encodeURIComponent(fn)}`);
  await ready(page);
  await settle(page);
  await page.screenshot({ path: join(out, "serve-why-slow.png") });
  await page.close();
} finally {
  await close();
}
