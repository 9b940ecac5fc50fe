// window.lambdascope: what tests and benchmarks read (state, the current view's folded text, where frames are
// drawn, pixels) and a promise for the first complete canvas frame.
import type { FlamePanel } from "./panel";
import type { HeatmapView, Range } from "./heatmap_view";
import { timings } from "./timing";

export interface PageHandle {
  page: string;
  panel: FlamePanel;
  currentFolded(): string;
  dispose(): void;
  extraState?(): Record<string, unknown>;
  heatmap?: HeatmapView;
  selection?(): { selection: Range | null; baseline: Range | null };
}

export interface LambdascopeApi {
  ready: boolean;
  error: string | null;
  firstPaint: number | null; // ms from navigation start to the end of the first complete canvas drawing
  firstFrame?: number; // ms to the animation frame after it (the drawing has been presented)
  complete?: number; // ms until the full layout is on screen (after a coarse first paint of a big graph)
  painted: Promise<number>; // resolves when the first frame is presented and the full layout is drawn
  [k: string]: unknown;
}

export function createApi(): { api: LambdascopeApi; resolvePaint: (t: number) => void } {
  let resolvePaint: (t: number) => void = () => {};
  const painted = new Promise<number>((r) => (resolvePaint = r));
  const api: LambdascopeApi = { ready: false, error: null, firstPaint: null, painted };
  (window as unknown as { lambdascope: LambdascopeApi }).lambdascope = api;
  return { api, resolvePaint };
}

export function installApi(api: LambdascopeApi, h: PageHandle): void {
  const panel = h.panel;
  api.page = h.page;
  api.timings = timings;
  api.currentFolded = () => h.currentFolded();
  api.setState = (patch: Record<string, string | number | boolean | null>) => panel.cfg.state.set(patch);
  api.state = () => {
    const l = panel.currentLayout();
    const t = panel.tree;
    const s = panel.currentSearch();
    const z = panel.mainView().getZoom();
    const path: string[] = [];
    if (t) for (let u = z; u > 0; u = t.parent[u]) path.unshift(t.label(u));
    return {
      page: h.page,
      view: panel.view,
      hash: location.hash,
      zoom: path,
      total: l ? l.width[0] : 0,
      zoomTotal: l ? l.width[z] : 0,
      nodes: l ? l.count : 0,
      maxDepth: l ? l.maxDepth : 0,
      search: panel.cfg.state.get("s"),
      matchedFrames: s ? s.frames : 0,
      matchedTotal: s ? s.matchedTotal : 0,
      diff: !!t?.baseTotal,
      drawCount: panel.mainView().drawCount,
      lastDrawMs: panel.mainView().lastDrawMs,
      ...(h.extraState ? h.extraState() : {}),
    };
  };
  /** Drawn nodes of the current view whose name matches the regex, with their on-screen boxes. */
  api.findFrames = (pattern: string, limit = 1000) => {
    const l = panel.currentLayout();
    const t = panel.tree;
    if (!l || !t) return [];
    const re = new RegExp(pattern);
    const out: Record<string, unknown>[] = [];
    for (let k = 0; k < l.count && out.length < limit; k++) {
      const v = l.pre[k];
      if (!re.test(t.label(v))) continue;
      out.push({
        id: v,
        name: t.label(v),
        depth: l.depth[v],
        total: l.width[v],
        self: t.self[v],
        base: t.baseTotal ? t.baseTotal[v] : null,
        rect: panel.mainView().nodeClientRect(v),
        fill: panel.fillOf(v),
      });
    }
    return out;
  };
  api.revealFrame = (id: number) => panel.mainView().revealRow(id);
  /** Redraws the main graph n times at once; returns each drawing's duration in ms. */
  api.timeRedraws = (n = 5) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      panel.mainView().draw();
      out.push(panel.mainView().lastDrawMs);
    }
    return out;
  };
  api.zoomToFrame = (id: number) => panel.zoomTo(id);
  api.pixelAt = (x: number, y: number) => {
    const e = document.elementFromPoint(x, y);
    if (!(e instanceof HTMLCanvasElement)) return null;
    const r = e.getBoundingClientRect();
    const dpr = e.width / r.width;
    const d = e
      .getContext("2d")!
      .getImageData(Math.floor((x - r.left) * dpr), Math.floor((y - r.top) * dpr), 1, 1).data;
    return [d[0], d[1], d[2]];
  };
  if (h.heatmap) {
    const hm = h.heatmap;
    api.heatmap = {
      cellCenter: (c: number, r: number) => hm.cellCenter(c, r),
      grid: () =>
        hm.grid
          ? { cols: hm.grid.cols, rows: hm.grid.rows, scaleS: hm.grid.scaleS, max: hm.grid.max, total: hm.grid.total }
          : null,
      count: (c: number, r: number) => (hm.grid ? hm.grid.counts[c * hm.grid.rows + r] : 0),
      selection: () => (h.selection ? h.selection() : null),
    };
  }
}
