#!/usr/bin/env node
// Dev: open pages in headless Chromium and save screenshots; prints console problems and first paint.
//   node web/dev/shot.mjs page.html[#hash] out.png [more pairs...]
import { launch, openPage, settle } from "../../tests/e2e/web_lib.mjs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const { context, close } = await launch(root);
try {
  for (let i = 0; i + 1 < args.length; i += 2) {
    const [file, hash] = args[i].split("#");
    const url = pathToFileURL(resolve(file)).href + (hash ? "#" + hash : "");
    const { page, problems } = await openPage(context, url);
    await settle(page);
    const st = await page.evaluate(() => ({
      fp: window.lambdascope.firstPaint,
      state: window.lambdascope.state ? window.lambdascope.state() : null,
    }));
    await page.screenshot({ path: args[i + 1], fullPage: true });
    console.log(args[i + 1], JSON.stringify(st), problems.length ? problems : "no problems");
    await page.close();
  }
} finally {
  await close();
}
