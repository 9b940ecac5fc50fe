// A merged flame graph (or differential) fetched from the API: progress while the server merges, a Cancel
// button, and an AbortController so a newer selection cancels the older merge. Reuses the static pages' views.
import type { LambdascopeApi, PageHandle } from "../api";
import { installApi } from "../api";
import { clear, el } from "../dom";
import { type Embed, diffPage, flamegraphPage, heatmapPage } from "../pages";
import type { Payload } from "../payload";
import type { Client } from "./client";
import { status } from "./ui";

export type AreaKind = "flamegraph" | "diff" | "heatmap";

export class ProfileArea {
  readonly el: HTMLDivElement;
  readonly statusEl: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private handle: PageHandle | null = null;
  private ctrl: AbortController | null = null;
  /** Why the last load failed, or null. */
  lastError: string | null = null;
  /** The payload on screen. */
  payload: Payload | null = null;
  /** Loads finished (tests wait for this to grow). */
  loads = 0;

  constructor(
    parent: HTMLElement,
    private readonly client: Client,
    private readonly embed: Embed = {},
  ) {
    this.statusEl = el("div", { class: "sv-status", "aria-live": "polite" });
    this.body = el("div", { class: "sv-flame" });
    this.el = el("div", {}, this.statusEl, this.body);
    parent.append(this.el);
  }

  get busy(): boolean {
    return this.ctrl !== null;
  }

  /** Shows a message instead of a graph (nothing selected). */
  message(...parts: (Node | string)[]): void {
    this.cancel();
    this.drop();
    status(this.statusEl, ...parts);
  }

  cancel(): void {
    if (this.ctrl) this.ctrl.abort();
    this.ctrl = null;
  }

  private drop(): void {
    this.handle?.dispose();
    this.handle = null;
    this.payload = null;
    clear(this.body);
  }

  /** Fetches and shows `/api/<endpoint>?<query>`; `what` describes it in the status line. */
  async load(kind: AreaKind, query: string, what: (Node | string)[], extra: (Node | string)[] = []): Promise<void> {
    this.cancel();
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    this.lastError = null;
    const bar = el("progress", { max: "1", "aria-label": "Merging" }) as HTMLProgressElement;
    bar.removeAttribute("value"); // indeterminate until the first progress line
    const count = el("span", { class: "sv-note", text: "merging…" });
    const stop = el("button", { text: "Cancel", title: "Stop this merge (Esc)" });
    stop.addEventListener("click", () => {
      this.cancel();
      status(this.statusEl, ...what, el("span", { class: "sv-note", text: "cancelled" }));
    });
    status(this.statusEl, ...what, bar, count, stop);
    try {
      const payload = await this.client.payload(
        kind === "diff" ? "diff" : "profile",
        kind === "heatmap" ? `${query}&view=heatmap` : query,
        (done, total) => {
          bar.max = Math.max(1, total);
          bar.value = done;
          count.textContent = `${done} of ${total} profiles`;
        },
        ctrl.signal,
      );
      if (this.ctrl !== ctrl) return;
      // Sides already scaled per invocation by the server: scaling again to equal totals would misstate them.
      if (query.includes("normalize=invocations")) payload.options.diff_normalize = false;
      this.ctrl = null;
      this.drop();
      this.payload = payload;
      const build = kind === "diff" ? diffPage : kind === "heatmap" ? heatmapPage : flamegraphPage;
      this.handle = build(payload, this.body, { header: false, ...this.embed });
      installApi((window as unknown as { lambdascope: LambdascopeApi }).lambdascope, this.handle);
      status(this.statusEl, ...what, ...extra);
      this.loads++;
    } catch (e) {
      if (ctrl.signal.aborted) return;
      this.ctrl = null;
      this.drop();
      const msg = e instanceof Error ? e.message : String(e);
      this.lastError = msg;
      status(this.statusEl, ...what, el("span", { class: "ls-error", style: "margin:0;padding:2px 8px", text: msg }));
    }
  }

  get page(): PageHandle | null {
    return this.handle;
  }
}
