// Shared by the web browser tests and benchmarks: start headless Debian Chromium through playwright-core
// with no network, open pages from file://, and collect console errors and page errors.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const CHROMIUM = process.env.LS_CHROMIUM || "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function loadPlaywright(sourceDir) {
  const req = createRequire(join(resolve(sourceDir), "package.json"));
  return req("playwright-core");
}

/** Launches Chromium with a fresh profile directory. `allowLocal`: let pages reach 127.0.0.1 (benchmarks). */
export async function launch(
  sourceDir,
  { allowLocal = false, viewport = { width: 1400, height: 900 }, deviceScaleFactor = 1 } = {},
) {
  const { chromium } = loadPlaywright(sourceDir);
  const userDir = mkdtempSync(join(tmpdir(), "ls-chromium-"));
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    deviceScaleFactor,
  });
  // No network: only file:// (and, for benchmarks, 127.0.0.1) may load.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    if (allowLocal && /^http:\/\/127\.0\.0\.1[:/]/.test(url)) return route.continue();
    return route.abort();
  });
  const close = async () => {
    await context.close().catch(() => {});
    // Chromium may still be flushing its profile for a moment after closing.
    try {
      rmSync(userDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (e) {
      console.error(`could not remove ${userDir}: ${e.message}`);
    }
  };
  return { context, close };
}

/** Opens a page and records console errors, page errors and failed requests in `problems`. */
export async function openPage(context, fileOrUrl, { wait = true } = {}) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  const url = /^[a-z]+:/.test(fileOrUrl) ? fileOrUrl : pathToFileURL(resolve(fileOrUrl)).href;
  await page.goto(url);
  if (wait) {
    await page.waitForFunction(
      () => window.lambdascope && (window.lambdascope.ready || window.lambdascope.error),
      null,
      { timeout: 60000 },
    );
    const err = await page.evaluate(() => window.lambdascope.error);
    if (err) problems.push(`page error: ${err}`);
    else await page.evaluate(() => window.lambdascope.painted);
  }
  return { page, problems };
}

/** Waits until the page has drawn everything it requested (two animation frames). */
export async function settle(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}
