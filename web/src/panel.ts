// The flame-graph panel every page uses: toolbar (views, search, orientation, order, colors, value, thread
// level, idle), breadcrumb, and the views: flame graph (or differential), vanished paths (diff), top
// functions, sandwich. The page gives it call trees; the panel owns everything that does not change a tree.
import { KIND_LEGEND, ROOT_COLOR, THREAD_COLOR, diffColor, kindColor, moduleColor, nameHash } from "./colors";
import { nodeDetails, type ValueContext } from "./details";
import { checkbox, clear, el, select } from "./dom";
import { type FlameData, FlameView } from "./flame_view";
import { formatPercent, formatValue } from "./format";
import { FLAME_KEYS, Help } from "./help";
import type { SampleType } from "./payload";
import type { AppState } from "./state";
import { TableView } from "./table_view";
import { mark } from "./timing";
import { Tooltip } from "./tooltip";
import {
  type CallTree, type FunctionStats, type Layout, type Order, type SearchResult, ROOT_FRAME, THREAD_FRAME,
  childByName, displayName, functionStats, layoutTree, pathTo, sandwichTrees, searchTree,
} from "./tree";

export interface PanelConfig {
  state: AppState;
  sampleTypes: SampleType[];
  hasThreads: boolean;
  hasIdle: boolean;
  diffPage: boolean; // the page is a two-profile diff (its keys are listed in the help)
  valueSelect?: boolean; // show the value selector (default true; the heat map has its own)
  maxHeight: (top: number) => number; // CSS px available to a view whose top is at `top` (client y)
  extraControls?: HTMLElement[];
  extraKeys?: [string, string][];
  helpNotes?: string[];
  onKey?: (ev: KeyboardEvent) => boolean;
}

/** State keys the panel renders from; a page rebuilds the tree on its own keys (v, th, idle, ...). */
export const PANEL_KEYS = new Set(["view", "z", "s", "o", "order", "c", "fn", "sort", "delta", "norm"]);

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function compileSearch(s: string): RegExp | null | "bad" {
  if (!s) return null;
  try {
    return new RegExp(s);
  } catch {
    return "bad";
  }
}

export class FlamePanel {
  readonly el: HTMLDivElement;
  private readonly toolbar: HTMLDivElement;
  private readonly crumbs: HTMLDivElement;
  private readonly main: HTMLDivElement;
  private readonly flame: FlameView;
  private readonly table: TableView;
  private readonly sandwichEl: HTMLDivElement;
  private readonly callersTitle: HTMLDivElement;
  private readonly calleesTitle: HTMLDivElement;
  private readonly callersView: FlameView;
  private readonly calleesView: FlameView;
  private readonly tooltip: Tooltip;
  private readonly help: Help;
  private readonly searchInput: HTMLInputElement;
  private readonly matchedEl: HTMLSpanElement;
  private readonly tabs = new Map<string, HTMLButtonElement>();
  private readonly diffOnly: HTMLElement[] = [];
  private readonly plainOnly: HTMLElement[] = [];
  private kindLegend: HTMLElement | null = null;
  private readonly controls = new Map<string, HTMLSelectElement | HTMLInputElement>();

  tree: CallTree | null = null;
  private layouts = new Map<string, Layout>();
  private search: SearchResult | null = null;
  private searchKey = "";
  private stats: FunctionStats | null = null;
  private statsLayout: Layout | null = null;
  private sandwich: { key: string; callers: Layout; callees: Layout } | null = null;
  private zoomNode = 0;
  private colorCache = new Map<number, string>();
  private maxAbsDelta = 1;
  private maxAbsKey = "";
  firstPaint: number | null = null;
  private firstPaintWaiters: (() => void)[] = [];
  /** A first, coarse layout is on screen and the full one is being made. */
  private coarsePending = 0;
  private completeWaiters: (() => void)[] = [];

  constructor(parent: HTMLElement, readonly cfg: PanelConfig) {
    const st = cfg.state;
    this.tooltip = new Tooltip(document.body);
    const keys = [...FLAME_KEYS, ["E", "Differential: vanished paths (only in BASE)"], ["N", "Differential: normalize by totals, on or off"], ...(cfg.extraKeys ?? [])] as [string, string][];
    this.help = new Help(document.body, keys, cfg.helpNotes ?? []);

    // Toolbar.
    this.toolbar = el("div", { class: "ls-toolbar" });
    const tabs = el("div", { class: "ls-tabs", role: "tablist" });
    const views: [string, string][] = [["flame", "Flame graph"], ["vanished", "Vanished"], ["table", "Top functions"], ["sandwich", "Sandwich"]];
    for (const [v, label] of views) {
      const b = el("button", { text: label, role: "tab", "data-view": v, title: v === "vanished" ? "Paths present only in BASE (E)" : "" });
      if (v === "vanished") this.diffOnly.push(b);
      b.addEventListener("click", () => st.set({ view: v }));
      this.tabs.set(v, b);
      tabs.append(b);
    }
    this.searchInput = el("input", { type: "search", class: "ls-search", placeholder: "Search regex  ( / )", spellcheck: "false", "aria-label": "Search frames (regular expression)" }) as HTMLInputElement;
    this.searchInput.value = st.get("s");
    this.searchInput.addEventListener("input", () => st.set({ s: this.searchInput.value || null }));
    this.searchInput.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        if (this.searchInput.value) st.set({ s: null });
        this.searchInput.value = "";
        this.searchInput.blur();
        ev.stopPropagation();
      } else if (ev.key === "Enter") {
        this.searchInput.blur();
      }
    });
    this.matchedEl = el("span", { class: "ls-matched", "aria-live": "polite" });
    const sel = (key: string, opts: [string, string][], title: string) => {
      const s = select(opts, st.get(key), (v) => st.set({ [key]: v }), title, key);
      this.controls.set(key, s);
      return s;
    };
    const group = (...c: (HTMLElement | string)[]) => el("div", { class: "ls-group" }, ...c);
    this.toolbar.append(tabs, el("div", { class: "ls-sep" }), group(this.searchInput, this.matchedEl), el("div", { class: "ls-sep" }));
    this.toolbar.append(group(sel("o", [["flame", "Flame ⊥"], ["icicle", "Icicle ⊤"]], "Orientation (I): flame has the root at the bottom, icicle at the top")));
    this.toolbar.append(group(sel("order", [["weight", "Heaviest first"], ["name", "A to Z"]], "Order of children (O)")));
    {
      const norm = checkbox("Normalize", st.bool("norm"), (v) => st.set({ norm: v }), "Scale BASE to NEW's total before comparing (N)", "norm");
      this.controls.set("norm", norm.querySelector("input")!);
      const g = group(sel("delta", [["self", "Color by self delta"], ["total", "Color by total delta"]], "What the red/blue intensity shows"), norm, this.diffLegend());
      this.diffOnly.push(g);
      this.toolbar.append(g);
      const sw = (color: string) => el("i", { style: `background:${color}` });
      this.kindLegend = el("span", { class: "ls-legend" }, ...KIND_LEGEND.map(([k, color]) => el("span", {}, sw(color), k)));
      const c = group(sel("c", [["kind", "Kind colors"], ["module", "Module colors"]], "Colors (C): by frame kind (native, kernel, JIT, interpreted, inlined) or by module"), this.kindLegend);
      this.plainOnly.push(c);
      this.toolbar.append(c);
    }
    if (cfg.sampleTypes.length > 1 && cfg.valueSelect !== false) {
      this.toolbar.append(group(el("label", { text: "Value" }), sel("v", cfg.sampleTypes.map((t, i) => [String(i), `${t.type} (${t.unit})`]), "Which value is drawn (V)")));
    }
    if (cfg.hasThreads) {
      const c = checkbox("Threads", st.bool("th"), (v) => st.set({ th: v }), "Thread name (comm) as the first level (H)", "th");
      this.controls.set("th", c.querySelector("input")!);
      this.toolbar.append(group(c));
    }
    if (cfg.hasIdle) {
      const c = checkbox("Hide idle", st.bool("idle"), (v) => st.set({ idle: v }), "Drop samples whose leaf frame is an idle function", "idle");
      this.controls.set("idle", c.querySelector("input")!);
      this.toolbar.append(group(c));
    }
    for (const c of cfg.extraControls ?? []) this.toolbar.append(group(c));
    const helpBtn = el("button", { text: "?", title: "Keyboard shortcuts (?)", style: "margin-left:auto" });
    helpBtn.addEventListener("click", () => this.help.toggle());
    this.toolbar.append(helpBtn);

    this.crumbs = el("div", { class: "ls-crumbs", "aria-label": "Zoom path" });
    this.main = el("div", { class: "ls-main" });
    this.el = el("div", { class: "ls-panel", style: "display:flex;flex-direction:column;flex:1 1 auto;min-height:0" }, this.toolbar, this.crumbs, this.main);
    parent.append(this.el);

    this.flame = new FlameView(this.main, {
      maxHeight: () => cfg.maxHeight(this.main.getBoundingClientRect().top),
      onHover: (v, ev) => this.hoverMain(v, ev),
      onClick: (v) => this.clickMain(v),
      onDrawn: () => this.noteFirstPaint(),
    });
    this.table = new TableView(
      this.main,
      () => cfg.maxHeight(this.main.getBoundingClientRect().top),
      (id, action) => {
        if (action === "sandwich") st.set({ view: "sandwich", fn: id });
        else st.set({ view: "flame", s: `^${escapeRegex(this.tree!.pool[id])}$`, z: null });
      },
      (key) => st.set({ sort: key }),
    );
    this.callersTitle = el("div", { class: "ls-sandwich-title" });
    this.calleesTitle = el("div", { class: "ls-sandwich-title" });
    this.sandwichEl = el("div", { class: "ls-sandwich" });
    this.main.append(this.sandwichEl);
    this.sandwichEl.append(this.callersTitle);
    const half = () => Math.max(140, (cfg.maxHeight(this.sandwichEl.getBoundingClientRect().top) - 60) / 2);
    const sandwichHover = (layout: () => Layout | undefined, what: string) => (v: number, ev: MouseEvent | null) => {
      const l = layout();
      if (v < 0 || !ev || !l) return this.tooltip.hide();
      this.tooltip.show(ev.clientX, ev.clientY, nodeDetails(l.tree, v, this.valueContext(l.tree), `${what} · click to zoom`));
    };
    this.callersView = new FlameView(this.sandwichEl, {
      maxHeight: half,
      onHover: sandwichHover(() => this.sandwich?.callers, "caller chain"),
      onClick: (v) => this.zoomLocal(this.callersView, v),
    });
    this.sandwichEl.append(this.calleesTitle);
    this.calleesView = new FlameView(this.sandwichEl, {
      maxHeight: half,
      onHover: sandwichHover(() => this.sandwich?.callees, "callee"),
      onClick: (v) => this.zoomLocal(this.calleesView, v),
    });
    this.callersView.setOrientation("flame");
    this.calleesView.setOrientation("icicle");

    st.on((changed) => {
      for (const k of changed) if (PANEL_KEYS.has(k)) return this.render();
    });
    document.addEventListener("keydown", (ev) => this.onKey(ev));
    window.addEventListener("resize", () => this.redraw());
  }

  private diffLegend(): HTMLElement {
    const sw = (c: string) => el("i", { style: `background:${c}` });
    return el("span", { class: "ls-legend" }, el("span", {}, sw(diffColor(0.8)), "grew"), el("span", {}, sw(diffColor(-0.8)), "shrank"), el("span", {}, sw(diffColor(0)), "same"));
  }

  // ---- state ----

  get view(): string {
    const v = this.cfg.state.get("view");
    if (v === "vanished" && !this.diff) return "flame";
    return this.tabs.has(v) ? v : "flame";
  }
  get order(): Order {
    return this.cfg.state.get("order") === "name" ? "name" : "weight";
  }
  get valueType(): SampleType | undefined {
    return this.cfg.sampleTypes[this.cfg.state.num("v")] ?? this.cfg.sampleTypes[0];
  }
  private get diff(): boolean {
    return !!this.tree?.baseTotal;
  }
  get scale(): number {
    const t = this.tree;
    if (!t || !t.baseTotal || !this.cfg.state.bool("norm")) return 1;
    const b = t.baseTotal[0], n = t.total[0];
    return b > 0 && n > 0 ? n / b : 1;
  }
  valueContext(t: CallTree): ValueContext {
    const main = this.tree ?? t;
    return { type: this.valueType, grandTotal: main.total[0], baseGrandTotal: main.baseTotal ? main.baseTotal[0] : 0, scale: this.scale };
  }

  /** Replaces the tree (new data, selection or settings); the zoom path and search carry over by name. */
  setTree(tree: CallTree): void {
    if (this.coarsePending) {
      cancelAnimationFrame(this.coarsePending);
      clearTimeout(this.coarsePending);
      this.coarsePending = 0;
      this.noteComplete();
    }
    this.tree = tree;
    this.layouts.clear();
    this.search = null;
    this.searchKey = "";
    this.stats = null;
    this.statsLayout = null;
    this.sandwich = null;
    this.colorCache.clear();
    this.maxAbsKey = "";
    this.render();
  }

  layout(which: "flame" | "vanished" = "flame"): Layout | null {
    const t = this.tree;
    if (!t) return null;
    const key = `${which}:${this.order}`;
    let l = this.layouts.get(key);
    if (!l && this.firstPaint === null && which === "flame" && this.order === "weight" && t.n > 100000 && !t.baseTotal) {
      // First paint of a big graph: lay out only the frames at least 1/16 px wide at full width. Heaviest-first
      // order puts narrower siblings last, so every frame laid out is where the full layout puts it; the full
      // layout follows at once and replaces it.
      const cut = t.total[0] / (Math.max(800, window.innerWidth) * 16);
      const w = new Float64Array(t.n);
      for (let i = 0; i < t.n; i++) w[i] = t.total[i] >= cut ? t.total[i] : 0;
      l = layoutTree(t, w, "weight");
      mark("layout:coarse");
      this.layouts.set(key, l);
      const tree = t;
      const full = () => {
        this.coarsePending = 0;
        if (this.tree !== tree) return this.noteComplete();
        this.layouts.set(key, layoutTree(tree, tree.total, "weight"));
        mark(`layout:${key}`);
        this.search = null;
        this.searchKey = "";
        this.stats = null;
        this.render();
        this.noteComplete();
      };
      // After the coarse frame has been presented: a task queued from an animation frame callback runs after
      // that frame's rendering.
      // Two task hops, so that the first-frame timestamp (one hop, see main.ts) is taken before this runs.
      this.coarsePending = requestAnimationFrame(() => {
        this.coarsePending = window.setTimeout(() => {
          this.coarsePending = window.setTimeout(full, 0);
        }, 0);
      });
      return l;
    }
    if (!l) {
      let width = t.total;
      if (which === "vanished" && t.baseTotal) {
        // Only the paths present in BASE and absent in NEW, sized by their (scaled) base value.
        const w = new Float64Array(t.n);
        const s = this.scale;
        for (let i = t.n - 1; i >= 0; i--) {
          if (t.total[i] === 0 && t.baseTotal[i] > 0) w[i] = t.baseTotal[i] * s;
          if (i > 0) w[t.parent[i]] += w[i];
        }
        width = w;
      }
      l = layoutTree(t, width, this.order);
      mark(`layout:${key}`);
      this.layouts.set(key, l);
    }
    return l;
  }

  currentLayout(): Layout | null {
    return this.layout(this.view === "vanished" ? "vanished" : "flame");
  }

  private resolveZoom(l: Layout): number {
    const z = this.cfg.state.get("z");
    if (!z) return 0;
    let v = 0;
    for (const part of z.split(".")) {
      const id = Number(part);
      if (!Number.isInteger(id)) break;
      const c = childByName(l, v, id);
      if (c < 0) break;
      v = c;
    }
    return v;
  }

  zoomTo(v: number): void {
    const t = this.tree;
    if (!t) return;
    const path = pathTo(t, v).map((u) => t.name[u]);
    this.cfg.state.set({ z: path.length ? path.join(".") : null });
  }

  private zoomLocal(view: FlameView, v: number): void {
    view.setZoom(v === view.getZoom() ? 0 : v);
  }

  // ---- colors ----

  /** Fill colors of a layout's nodes; `totalDelta` forces coloring by total delta (the sandwich's caller chains). */
  private fillFor(l: Layout, vanished: boolean, totalDelta = false): (v: number) => string {
    const t = l.tree;
    if (t.baseTotal && t.baseSelf) {
      const scale = this.scale;
      if (vanished) {
        const root = l.width[0] || 1;
        return (v) => diffColor(-Math.min(1, 0.25 + (0.75 * l.width[v]) / root));
      }
      const self = !totalDelta && this.cfg.state.get("delta") !== "total";
      const bs = self ? t.baseSelf : t.baseTotal, ns = self ? t.self : t.total;
      const key = `${self}:${scale}:${l === this.layout("flame") ? "main" : "other"}`;
      let maxAbs = 0;
      if (l !== this.layout("flame") || this.maxAbsKey !== key) {
        for (let k = 1; k < l.count; k++) {
          const v = l.pre[k];
          const d = Math.abs(ns[v] - bs[v] * scale);
          if (d > maxAbs) maxAbs = d;
        }
        if (l === this.layout("flame")) { this.maxAbsDelta = maxAbs; this.maxAbsKey = key; }
      } else {
        maxAbs = this.maxAbsDelta;
      }
      const m = maxAbs || 1;
      const levels = new Map<number, string>();
      return (v) => {
        const q = Math.round(((ns[v] - bs[v] * scale) / m) * 64);
        let c = levels.get(q);
        if (c === undefined) levels.set(q, (c = diffColor(q / 64)));
        return c;
      };
    }
    const byModule = this.cfg.state.get("c") === "module";
    const cache = this.colorCache;
    return (v) => {
      const f = t.frame[v];
      if (f === ROOT_FRAME && t.name[v] < 0) return ROOT_COLOR;
      if (f === THREAD_FRAME) return THREAD_COLOR;
      const src = t.src[v];
      const key = (byModule ? 1 : 0) + 2 * (src + 2 * (f + 1));
      let c = cache.get(key);
      if (c === undefined) {
        const m = t.models[src];
        const h = nameHash(t.label(v));
        c = f < 0 ? ROOT_COLOR : byModule ? moduleColor(m.strings[m.frameModule[f]] ?? "", h) : kindColor(m.frameKind[f], h);
        cache.set(key, c);
      }
      return c;
    };
  }

  private searchFor(l: Layout): SearchResult | null {
    const re = compileSearch(this.cfg.state.get("s"));
    if (!re || re === "bad") return null;
    const key = `${this.cfg.state.get("s")}|${this.view}|${this.order}`;
    if (this.search && this.searchKey === key) return this.search;
    this.search = searchTree(l, re);
    this.searchKey = key;
    return this.search;
  }

  // ---- rendering ----

  redraw(): void {
    this.flame.requestDraw();
    this.callersView.requestDraw();
    this.calleesView.requestDraw();
    this.table.requestRender();
  }

  render(): void {
    const st = this.cfg.state;
    this.tooltip.hide(); // what it described may have moved or gone
    const view = this.view;
    for (const e of this.diffOnly) e.style.display = this.diff ? "" : "none";
    for (const e of this.plainOnly) e.style.display = this.diff ? "none" : "";
    if (this.kindLegend) this.kindLegend.style.display = st.get("c") === "module" ? "none" : "";
    this.tabs.get("flame")!.textContent = this.diff ? "Differential" : "Flame graph";
    for (const [v, b] of this.tabs) {
      b.classList.toggle("ls-on", v === view);
      b.setAttribute("aria-selected", String(v === view));
    }
    for (const [k, c] of this.controls) {
      if (c instanceof HTMLInputElement) c.checked = st.bool(k);
      else if (c.value !== st.get(k)) c.value = st.get(k);
    }
    if (document.activeElement !== this.searchInput && this.searchInput.value !== st.get("s")) this.searchInput.value = st.get("s");
    const re = compileSearch(st.get("s"));
    this.searchInput.classList.toggle("ls-bad", re === "bad");
    this.searchInput.title = re === "bad" ? "Not a valid regular expression" : "";

    const showFlame = view === "flame" || view === "vanished";
    this.flame.el.style.display = showFlame ? "" : "none";
    this.table.el.style.display = view === "table" ? "" : "none";
    this.sandwichEl.style.display = view === "sandwich" ? "" : "none";
    this.crumbs.style.display = showFlame ? "" : "none";
    this.flame.setOrientation(st.get("o") === "icicle" ? "icicle" : "flame");

    const t = this.tree;
    if (!t) return;
    const l = this.currentLayout()!;
    const search = this.searchFor(l);
    if (search) {
      this.matchedEl.textContent = `matched: ${formatPercent(search.matchedTotal, l.width[0])} of total · ${search.frames} frame${search.frames === 1 ? "" : "s"}`;
    } else {
      this.matchedEl.textContent = re === "bad" ? "invalid regex" : "";
    }
    if (showFlame) {
      this.zoomNode = this.resolveZoom(l);
      const data: FlameData = { layout: l, label: (v) => t.label(v), fill: this.fillFor(l, view === "vanished"), match: search ? search.match : null };
      this.flame.setData(data, this.zoomNode);
      this.renderCrumbs(l);
    } else if (view === "table") {
      this.renderTable();
    } else if (view === "sandwich") {
      this.renderSandwich();
    }
  }

  private renderCrumbs(l: Layout): void {
    const t = l.tree;
    clear(this.crumbs);
    const z = this.zoomNode;
    const path = [0, ...pathTo(t, z)];
    const btn = (v: number) => {
      const b = el("button", { text: t.label(v), title: t.label(v) });
      b.addEventListener("click", () => this.zoomTo(v));
      return b;
    };
    const shown = path.length > 9 ? [...path.slice(0, 2), -1, ...path.slice(-6)] : path;
    shown.forEach((v, i) => {
      if (i > 0) this.crumbs.append(el("span", { class: "ls-crumb-sep", text: "›" }));
      this.crumbs.append(v < 0 ? el("span", { class: "ls-crumb-sep", text: `… ${path.length - 8} more …` }) : btn(v));
    });
    if (z !== 0) {
      const reset = el("button", { text: "Reset zoom", title: "0 or Home", style: "color:#b3261e;font-family:inherit" });
      reset.addEventListener("click", () => this.zoomTo(0));
      this.crumbs.append(reset);
    }
    const ty = this.valueType;
    const info = this.view === "vanished"
      ? `vanished: ${formatValue(l.width[0], ty)} of BASE${this.scale !== 1 ? " (scaled)" : ""}`
      : z !== 0
        ? `${formatValue(l.width[z], ty)} · ${formatPercent(l.width[z], l.width[0])} of total`
        : `total ${formatValue(l.width[0], ty)}`;
    this.crumbs.append(el("span", { class: "ls-crumb-info", text: info }));
  }

  functionStats(): FunctionStats | null {
    const l = this.layout("flame");
    if (!l) return null;
    if (!this.stats || this.statsLayout !== l) {
      this.stats = functionStats(l);
      this.statsLayout = l;
    }
    return this.stats;
  }

  private renderTable(): void {
    const t = this.tree!;
    const stats = this.functionStats()!;
    const re = compileSearch(this.cfg.state.get("s"));
    this.table.setData({ stats, pool: t.pool, type: this.valueType, grandTotal: t.total[0], scale: this.scale, filter: re && re !== "bad" ? re : null }, this.cfg.state.get("sort"));
  }

  private sandwichFn(): number {
    const t = this.tree!;
    const fn = this.cfg.state.num("fn", -1);
    if (fn >= 0 && fn < t.pool.length) return fn;
    // Default: the function with the most self time.
    const s = this.functionStats()!;
    let best = -1;
    for (let i = 0; i < s.n; i++) if (best < 0 || s.self[i] > s.self[best]) best = i;
    return best >= 0 ? s.name[best] : -1;
  }

  private renderSandwich(): void {
    const t = this.tree!;
    const fn = this.sandwichFn();
    clear(this.callersTitle);
    clear(this.calleesTitle);
    if (fn < 0) {
      this.callersTitle.append("No function to show.");
      this.callersView.setData(null, 0);
      this.calleesView.setData(null, 0);
      return;
    }
    const key = `${fn}:${this.order}`;
    if (!this.sandwich || this.sandwich.key !== key) {
      const { callers, callees } = sandwichTrees(t, fn);
      this.sandwich = { key, callers: layoutTree(callers, callers.total, this.order), callees: layoutTree(callees, callees.total, this.order) };
    }
    const { callers, callees } = this.sandwich;
    const name = displayName(t.pool[fn]);
    const ty = this.valueType;
    const total = callees.width[0];
    this.callersTitle.append("Callers of ", el("b", { text: name }), ` — ${formatValue(total, ty)} (${formatPercent(total, t.total[0])} of all). Callers are above it; click to zoom.`);
    this.calleesTitle.append("Callees of ", el("b", { text: name }), " — what it calls, below it.");
    const re = compileSearch(this.cfg.state.get("s"));
    const m = (l: Layout) => (re && re !== "bad" ? searchTree(l, re).match : null);
    this.callersView.setData({ layout: callers, label: (v) => callers.tree.label(v), fill: this.fillFor(callers, false, true), match: m(callers) }, 0);
    this.calleesView.setData({ layout: callees, label: (v) => callees.tree.label(v), fill: this.fillFor(callees, false, true), match: m(callees) }, 0);
  }

  // ---- interaction ----

  private hoverMain(v: number, ev: MouseEvent | null): void {
    const l = this.currentLayout();
    if (v < 0 || !ev || !l) return this.tooltip.hide();
    this.tooltip.show(ev.clientX, ev.clientY, nodeDetails(l.tree, v, this.valueContext(l.tree), v === this.zoomNode && v !== 0 ? "click: zoom out to the parent · S: sandwich" : "click: zoom · S: callers and callees"));
  }

  private clickMain(v: number): void {
    const l = this.currentLayout();
    if (!l) return;
    this.tooltip.hide();
    const z = this.zoomNode;
    if (v === z && v !== 0) this.zoomTo(l.tree.parent[v]);
    else this.zoomTo(v);
  }

  private onKey(ev: KeyboardEvent): void {
    const st = this.cfg.state;
    const target = ev.target as HTMLElement | null;
    const typing = !!target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA") && (target as HTMLInputElement).type !== "checkbox";
    if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "f") {
      ev.preventDefault();
      this.searchInput.focus();
      this.searchInput.select();
      return;
    }
    if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "Escape") {
      if (this.help.open) this.help.toggle(false);
      else if (st.get("s")) st.set({ s: null });
      else if (this.cfg.onKey) this.cfg.onKey(ev);
      return;
    }
    if (this.cfg.onKey && this.cfg.onKey(ev)) return;
    const l = this.currentLayout();
    const k = ev.key;
    const cycle = (key: string, a: string, b: string) => st.set({ [key]: st.get(key) === a ? b : a });
    switch (k) {
      case "?":
        this.help.toggle();
        break;
      case "/":
        ev.preventDefault();
        this.searchInput.focus();
        this.searchInput.select();
        break;
      case "Backspace":
      case "u":
      case "U":
        if (l && this.zoomNode !== 0) this.zoomTo(l.tree.parent[this.zoomNode]);
        break;
      case "0":
      case "Home":
        this.zoomTo(0);
        break;
      case "f":
      case "F":
        st.set({ view: "flame" });
        break;
      case "t":
      case "T":
        st.set({ view: "table" });
        break;
      case "s":
      case "S": {
        const h = this.flame.hover;
        const t = this.tree;
        if (t && h > 0 && l && t.frame[h] >= 0 && this.view !== "sandwich") st.set({ view: "sandwich", fn: t.name[h] });
        else st.set({ view: "sandwich" });
        break;
      }
      case "e":
      case "E":
        if (this.diff) cycle("view", "vanished", "flame");
        break;
      case "n":
      case "N":
        if (this.diff) st.set({ norm: !st.bool("norm") });
        break;
      case "i":
      case "I":
        cycle("o", "icicle", "flame");
        break;
      case "o":
      case "O":
        cycle("order", "name", "weight");
        break;
      case "c":
      case "C":
        if (!this.diff) cycle("c", "module", "kind");
        break;
      case "h":
      case "H":
        if (this.cfg.hasThreads) st.set({ th: !st.bool("th") });
        break;
      case "v":
      case "V":
        if (this.cfg.sampleTypes.length > 1) st.set({ v: (st.num("v") + 1) % this.cfg.sampleTypes.length });
        break;
      default:
        return;
    }
    ev.preventDefault();
  }

  private noteComplete(): void {
    for (const w of this.completeWaiters) w();
    this.completeWaiters = [];
  }
  /** Calls fn once the first graph has been drawn (at once if it has). */
  onFirstPaint(fn: () => void): void {
    if (this.firstPaint !== null) fn();
    else this.firstPaintWaiters.push(fn);
  }
  /** Resolves when every layout on screen is the full one (after a coarse first paint). */
  whenComplete(): Promise<void> {
    if (!this.coarsePending) return Promise.resolve();
    return new Promise((r) => this.completeWaiters.push(r));
  }

  private noteFirstPaint(): void {
    if (this.firstPaint !== null || !this.tree) return;
    this.firstPaint = performance.now();
    mark("firstPaint");
    for (const w of this.firstPaintWaiters) w();
    this.firstPaintWaiters = [];
  }

  // ---- for tests ----

  mainView(): FlameView {
    return this.flame;
  }
  currentSearch(): SearchResult | null {
    const l = this.currentLayout();
    return l ? this.searchFor(l) : null;
  }
  fillOf(v: number): string | null {
    const l = this.currentLayout();
    if (!l || l.depth[v] < 0) return null;
    return this.fillFor(l, this.view === "vanished")(v);
  }
}
