// Entry of the web UI bundle: reads the page's payload and builds the page it asks for (docs/page-data.md).
import { createApi, installApi } from "./api";
import { el, injectStyle } from "./dom";
import { diffPage, flamegraphPage, heatmapPage } from "./pages";
import { readPayload } from "./payload";
import { servePage } from "./serve/app";

async function start(): Promise<void> {
  const { api, resolvePaint } = createApi();
  injectStyle();
  let app = document.getElementById("lambdascope-app");
  if (!app) {
    app = el("div", { id: "lambdascope-app" });
    document.body.prepend(app);
  }
  try {
    const payload = await readPayload(document);
    if (payload.page === "serve") {
      await servePage(payload, app, api);
      api.ready = true;
      return;
    }
    const build = payload.page === "heatmap" ? heatmapPage : payload.page === "diff" ? diffPage : flamegraphPage;
    const handle = build(payload, app);
    installApi(api, handle);
    const panel = handle.panel;
    panel.onFirstPaint(() => {
      api.firstPaint = panel.firstPaint;
      // First frame on screen: the next animation frame renders the drawing; a task queued from its callback
      // runs once that frame has been rendered.
      requestAnimationFrame(() =>
        setTimeout(() => {
          api.firstFrame = performance.now();
          void panel.whenComplete().then(() => {
            api.complete = performance.now();
            resolvePaint(panel.firstPaint!);
          });
        }, 0),
      );
    });
    api.ready = true;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    api.error = msg;
    app.append(el("div", { class: "ls-error", text: `lambdascope could not show this page.\n\n${msg}` }));
  }
}

void start();
