// The flame-graph panel every page uses: toolbar (panel_toolbar.ts), breadcrumb, and the views: flame graph (or
// differential), vanished paths (diff), top functions, sandwich (sandwich_view.ts); keys in panel_keys.ts. The
// page gives it call trees; the panel owns everything that does not change a tree.
import { ROOT_COLOR, THREAD_COLOR, diffColor, kindColor, moduleColor, nameHash } from "./colors";
import type { Companion } from "./companion";
import { type OtherValue, nodeDetails, type ValueContext } from "./details";
import { clear, el } from "./dom";
import { type FlameData, FlameView } from "./flame_view";
import { formatPercent, formatValue } from "./format";
import { FLAME_KEYS, Help } from "./help";
import { panelKey } from "./panel_keys";
import { buildToolbar } from "./panel_toolbar";
import type { SampleType } from "./payload";
import type { AppState } from "./state";
import { SandwichView } from "./sandwich_view";
import { TableView } from "./table_view";
import { mark } from "./timing";
import { WAITING_KIND } from "./model";
import { Tooltip } from "./tooltip";
import {
  type CallTree,
  type FunctionStats,
  type Layout,
  type Order,
  type SearchResult,
  ROOT_FRAME,
  THREAD_FRAME,
  childByName,
  functionStats,
  layoutTree,
  pathTo,
  searchTree,
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
  private readonly crumbs: HTMLDivElement;
  private readonly main: HTMLDivElement;
  private readonly flame: FlameView;
  private readonly table: TableView;
  private readonly sandwichView: SandwichView;
  private readonly tooltip: Tooltip;
  readonly help: Help;
  private readonly searchInput: HTMLInputElement;
  private readonly matchedEl: HTMLSpanElement;
  private readonly tabs: Map<string, HTMLButtonElement>;
  private readonly diffOnly: HTMLElement[];
  private readonly plainOnly: HTMLElement[];
  private readonly kindLegend: HTMLElement;
  private readonly controls: Map<string, HTMLSelectElement | HTMLInputElement>;

  tree: CallTree | null = null;
  /** The other of wall/cpu, for the tooltip (companion.ts). */
  private companion: Companion | null = null;
  private layouts = new Map<string, Layout>();
  private search: SearchResult | null = null;
  private searchKey = "";
  private stats: FunctionStats | null = null;
  private statsLayout: Layout | null = null;
  private zoomNode = 0;
  private colorCache = new Map<number, string>();
  private maxAbsDelta = 1;
  private maxAbsKey = "";
  firstPaint: number | null = null;
  private firstPaintWaiters: (() => void)[] = [];
  /** A first, coarse layout is on screen and the full one is being made. */
  private coarsePending = 0;
  private completeWaiters: (() => void)[] = [];

  constructor(
    parent: HTMLElement,
    readonly cfg: PanelConfig,
  ) {
    const st = cfg.state;
    this.tooltip = new Tooltip(document.body);
    const keys: [string, string][] = [
      ...FLAME_KEYS,
      ["E", "Differential: vanished paths (only in BASE)"],
      ["N", "Differential: normalize by totals, on or off"],
      ...(cfg.extraKeys ?? []),
    ];
    this.help = new Help(document.body, keys, cfg.helpNotes ?? []);

    const bar = buildToolbar(cfg, this.help);
    ({
      tabs: this.tabs,
      searchInput: this.searchInput,
      matchedEl: this.matchedEl,
      controls: this.controls,
      diffOnly: this.diffOnly,
      plainOnly: this.plainOnly,
      kindLegend: this.kindLegend,
    } = bar);

    this.crumbs = el("div", { class: "ls-crumbs", "aria-label": "Zoom path" });
    this.main = el("div", { class: "ls-main" });
    this.el = el(
      "div",
      { class: "ls-panel", style: "display:flex;flex-direction:column;flex:1 1 auto;min-height:0" },
      bar.el,
      this.crumbs,
      this.main,
    );
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
    this.sandwichView = new SandwichView(this.main, cfg.maxHeight, (l, v, ev, what) => {
      if (v < 0 || !ev) return this.tooltip.hide();
      this.tooltip.show(
        ev.clientX,
        ev.clientY,
        nodeDetails(l.tree, v, this.valueContext(l.tree), `${what} · click to zoom`),
      );
    });

    st.on((changed) => {
      for (const k of changed) if (PANEL_KEYS.has(k)) return this.render();
    });
    document.addEventListener("keydown", this.onKeyDown);
    window.addEventListener("resize", this.onResize);
  }

  private readonly onKeyDown = (ev: KeyboardEvent) => panelKey(this, ev);
  private readonly onResize = () => this.redraw();

  /** Removes the panel and what it added to the document (a page that replaces its graph). */
  dispose(): void {
    document.removeEventListener("keydown", this.onKeyDown);
    window.removeEventListener("resize", this.onResize);
    this.tooltip.el.remove();
    this.help.el.remove();
    this.el.remove();
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
  get isDiff(): boolean {
    return this.diff;
  }
  get scale(): number {
    const t = this.tree;
    if (!t || !t.baseTotal || !this.cfg.state.bool("norm")) return 1;
    const b = t.baseTotal[0],
      n = t.total[0];
    return b > 0 && n > 0 ? n / b : 1;
  }
  valueContext(t: CallTree): ValueContext {
    const main = this.tree ?? t;
    return {
      type: this.valueType,
      grandTotal: main.total[0],
      baseGrandTotal: main.baseTotal ? main.baseTotal[0] : 0,
      scale: this.scale,
    };
  }

  /** Replaces the tree (new data, selection or settings); the zoom path and search carry over by name. */
  setTree(tree: CallTree, companion?: Companion): void {
    this.companion = companion ?? null;
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
    this.sandwichView.reset();
    this.colorCache.clear();
    this.maxAbsKey = "";
    this.render();
  }

  layout(which: "flame" | "vanished" = "flame"): Layout | null {
    const t = this.tree;
    if (!t) return null;
    const key = `${which}:${this.order}`;
    let l = this.layouts.get(key);
    if (
      !l &&
      this.firstPaint === null &&
      which === "flame" &&
      this.order === "weight" &&
      t.n > 100000 &&
      !t.baseTotal
    ) {
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

  zoomOut(): void {
    const l = this.currentLayout();
    if (l && this.zoomNode !== 0) this.zoomTo(l.tree.parent[this.zoomNode]);
  }

  focusSearch(): void {
    this.searchInput.focus();
    this.searchInput.select();
  }

  hoveredFunction(): number {
    const h = this.flame.hover;
    const t = this.tree;
    return t && h > 0 && this.currentLayout() && t.frame[h] >= 0 ? t.name[h] : -1;
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
      const bs = self ? t.baseSelf : t.baseTotal,
        ns = self ? t.self : t.total;
      const key = `${self}:${scale}:${l === this.layout("flame") ? "main" : "other"}`;
      let maxAbs = 0;
      if (l !== this.layout("flame") || this.maxAbsKey !== key) {
        for (let k = 1; k < l.count; k++) {
          const v = l.pre[k];
          const d = Math.abs(ns[v] - bs[v] * scale);
          if (d > maxAbs) maxAbs = d;
        }
        if (l === this.layout("flame")) {
          this.maxAbsDelta = maxAbs;
          this.maxAbsKey = key;
        }
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
        // Waiting frames keep their colour in module mode too: waiting is not code of any module.
        const waiting = f >= 0 && m.frameKind[f] === WAITING_KIND;
        c =
          f < 0
            ? ROOT_COLOR
            : byModule && !waiting
              ? moduleColor(m.strings[m.frameModule[f]] ?? "", h)
              : kindColor(m.frameKind[f], h);
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
    this.sandwichView.requestDraw();
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
    if (document.activeElement !== this.searchInput && this.searchInput.value !== st.get("s"))
      this.searchInput.value = st.get("s");
    const re = compileSearch(st.get("s"));
    this.searchInput.classList.toggle("ls-bad", re === "bad");
    this.searchInput.title = re === "bad" ? "Not a valid regular expression" : "";

    const showFlame = view === "flame" || view === "vanished";
    this.flame.el.style.display = showFlame ? "" : "none";
    this.table.el.style.display = view === "table" ? "" : "none";
    this.sandwichView.el.style.display = view === "sandwich" ? "" : "none";
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
      const data: FlameData = {
        layout: l,
        label: (v) => t.label(v),
        fill: this.fillFor(l, view === "vanished"),
        match: search ? search.match : null,
      };
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
      const reset = el("button", {
        text: "Reset zoom",
        title: "0 or Home",
        style: "color:#b3261e;font-family:inherit",
      });
      reset.addEventListener("click", () => this.zoomTo(0));
      this.crumbs.append(reset);
    }
    const ty = this.valueType;
    const info =
      this.view === "vanished"
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
    this.table.setData(
      {
        stats,
        pool: t.pool,
        type: this.valueType,
        grandTotal: t.total[0],
        scale: this.scale,
        filter: re && re !== "bad" ? re : null,
      },
      this.cfg.state.get("sort"),
    );
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
    const re = compileSearch(this.cfg.state.get("s"));
    this.sandwichView.render({
      tree: this.tree!,
      fn: this.sandwichFn(),
      order: this.order,
      valueType: this.valueType,
      search: re && re !== "bad" ? re : null,
      fill: (l) => this.fillFor(l, false, true),
    });
  }

  // ---- interaction ----

  private hoverMain(v: number, ev: MouseEvent | null): void {
    const l = this.currentLayout();
    if (v < 0 || !ev || !l) return this.tooltip.hide();
    this.tooltip.show(
      ev.clientX,
      ev.clientY,
      nodeDetails(
        l.tree,
        v,
        this.valueContext(l.tree),
        v === this.zoomNode && v !== 0
          ? "click: zoom out to the parent · S: sandwich"
          : "click: zoom · S: callers and callees",
        this.otherValue(l.tree, v),
      ),
    );
  }

  private otherValue(t: CallTree, v: number): OtherValue | undefined {
    const c = this.companion;
    if (!c || t !== this.tree || t.baseTotal) return undefined;
    const u = c.find(t, v);
    return { type: c.type, total: u >= 0 ? c.tree.total[u] : 0, self: u >= 0 ? c.tree.self[u] : 0 };
  }

  private clickMain(v: number): void {
    const l = this.currentLayout();
    if (!l) return;
    this.tooltip.hide();
    const z = this.zoomNode;
    if (v === z && v !== 0) this.zoomTo(l.tree.parent[v]);
    else this.zoomTo(v);
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
