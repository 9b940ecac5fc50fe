// The live page of `record --listen` in headless Chromium: it loads without console errors, shows the running
// program's hot function, reloads itself with new data while keeping the view state (URL hash), and the paused
// page does not reload. Arguments: the server's URL. Exits non-zero with the reasons on failure.
import { launch, openPage } from "./web_lib.mjs";

const base = process.argv[2];
const problems = [];
const { context, close } = await launch(process.env.LS_SOURCE_DIR, { allowLocal: true });
try {
  const { page, problems: pageProblems } = await openPage(context, `${base}/?seconds=10`);
  const folded = await page.evaluate(() => window.lambdascope.currentFolded());
  if (!/;hot \d/.test(folded)) problems.push(`no hot in the live flame graph:\n${folded}`);
  // A view state (search) to carry across the reload.
  await page.evaluate(() => window.lambdascope.setState({ search: "hot" }));
  const hash = await page.evaluate(() => location.hash);
  if (!hash.includes("hot")) problems.push(`search not in the URL hash: ${hash}`);
  const firstOrigin = await page.evaluate(() => performance.timeOrigin);
  // The page reloads itself every few seconds: wait (generously) for a new document that is ready.
  await page.waitForFunction(
    (t) => performance.timeOrigin !== t && window.lambdascope && window.lambdascope.ready,
    firstOrigin,
    { timeout: 60000, polling: 200 },
  );
  await page.evaluate(() => window.lambdascope.painted);
  const after = await page.evaluate(() => ({ folded: window.lambdascope.currentFolded(), hash: location.hash }));
  if (after.folded === folded) problems.push("the reloaded page shows the same data");
  if (!/;hot \d/.test(after.folded)) problems.push(`no hot after the reload:\n${after.folded}`);
  if (after.hash !== hash) problems.push(`the view state was lost on reload: ${hash} -> ${after.hash}`);
  problems.push(...pageProblems);

  const paused = await openPage(context, `${base}/?seconds=10&paused=1`);
  const html = await paused.page.content();
  if (html.includes("location.reload")) problems.push("the paused page still reloads");
  if (!html.includes("resume")) problems.push("the paused page has no resume link");
  problems.push(...paused.problems);
} catch (e) {
  problems.push(String(e && e.stack ? e.stack : e));
} finally {
  await close();
}
if (problems.length) {
  console.log(problems.map((p) => `FAIL: ${p}`).join("\n"));
  process.exit(1);
}
console.log("ok");
