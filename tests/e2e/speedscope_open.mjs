// Opens speedscope JSON files in speedscope's own web app, in headless Chromium (playwright-core), the way a
// user would: index.html#profileURL=... served from a local HTTP server on 127.0.0.1. A file passes when the
// import succeeds (no "Something went wrong", no alert, nothing logged as an error), the page title names the
// file, the toolbar shows the active profile's name and the flame chart canvas is on screen. A screenshot of
// each is saved.
//
// Usage: node speedscope_open.mjs APP_DIR SCREENSHOT_DIR FILE.speedscope.json...
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";

const [appDir, shotDir, ...files] = process.argv.slice(2);
if (!appDir || !shotDir || files.length === 0) {
  console.error("usage: node speedscope_open.mjs APP_DIR SCREENSHOT_DIR FILE...");
  process.exit(2);
}

const types = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain",
};

// /profiles/<i> is the i-th file; everything else comes from the app folder.
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  let file;
  const m = url.pathname.match(/^\/profiles\/(\d+)\/[^/]+$/);
  if (m) {
    file = files[Number(m[1])];
  } else {
    file = path.join(appDir, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ""));
  }
  fs.readFile(file ?? "", (err, data) => {
    if (err) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { "Content-Type": types[path.extname(file)] ?? "application/octet-stream" });
    res.end(data);
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = server.address().port;

const userDataDir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "ls-chromium-"));
let failures = 0;
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // speedscope draws with WebGL; without a GPU, Chromium needs its software implementation allowed.
      "--use-angle=swiftshader",
      "--enable-unsafe-swiftshader",
    ],
  });
  for (const [i, file] of files.entries()) {
    const problems = [];
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    const active = json.profiles[json.activeProfileIndex ?? 0];
    const page = await context.newPage();
    page.on("console", (msg) => {
      if (msg.type() === "error" || /fail|error|exception/i.test(msg.text())) problems.push(`console: ${msg.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("dialog", async (dialog) => {
      problems.push(`alert: ${dialog.message()}`);
      await dialog.dismiss();
    });
    const profileUrl = `http://127.0.0.1:${port}/profiles/${i}/${encodeURIComponent(path.basename(file))}`;
    await page.goto(`http://127.0.0.1:${port}/index.html#profileURL=${encodeURIComponent(profileUrl)}`);
    try {
      await page.waitForFunction(
        (name) => document.title === `${name} - speedscope` || document.body.innerText.includes("Something went wrong"),
        json.name,
        { timeout: 60000 },
      );
      // Let the first frames draw.
      await page.waitForTimeout(1000);
    } catch (e) {
      problems.push(`the profile did not load within 60 s (title "${await page.title()}")`);
    }
    const text = await page.evaluate(() => document.body.innerText);
    if (text.includes("Something went wrong")) problems.push('speedscope says "Something went wrong" (import failed)');
    if ((await page.title()) !== `${json.name} - speedscope`) problems.push(`page title is "${await page.title()}"`);
    if (!text.includes(active.name)) problems.push(`the toolbar does not show the profile name "${active.name}"`);
    const canvases = await page.evaluate(
      () => [...document.querySelectorAll("canvas")].filter((c) => c.width > 100 && c.height > 100).length,
    );
    if (canvases === 0) problems.push("no flame chart canvas on the page");
    const shot = path.join(shotDir, path.basename(file).replace(/\.json$/, "") + ".png");
    await page.screenshot({ path: shot });
    if (problems.length) {
      failures++;
      console.log(`FAIL ${file}\n  ${problems.join("\n  ")}\n  screenshot: ${shot}`);
    } else {
      console.log(
        `ok   ${file}: "${json.name}", profile "${active.name}" (${json.profiles.length} profiles, ` +
          `${active.type}), screenshot ${shot}`,
      );
    }
    await page.close();
  }
} catch (e) {
  failures++;
  console.log(`FAIL: ${e.stack ?? e}`);
} finally {
  if (context) await context.close();
  server.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
