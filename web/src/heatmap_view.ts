// FlameScope's sub-second offset heat map: one column per S seconds, R rows per column (row 0 = the start of
// the column, drawn at the bottom), colored by the samples (or weight) in each bucket. Drag selects a time
// range in column-major order; with Shift, Ctrl or Cmd held the drag sets the baseline instead.
// Bucket and range math follow docs/page-data.md exactly (integer nanoseconds).
import { type SampleQuery, forEachSample } from "./aggregate";
import { heatColor } from "./colors";
import { el } from "./dom";
import { formatNumber, formatValue } from "./format";
import type { Model } from "./model";
import type { SampleType } from "./payload";
import { Tooltip } from "./tooltip";

export interface Range {
  from: number; // ns offset from time_base_ns, inclusive
  to: number; // exclusive
}

export interface HeatGrid {
  cols: number;
  rows: number;
  scaleS: number; // seconds per column
  counts: Float64Array; // index col * rows + row
  max: number;
  total: number;
}

/** Per stack id: 1 if a frame on the stack has a name the regex matches (for highlighting a search in time). */
export function stacksMatching(m: Model, re: RegExp): Uint8Array {
  const cache = new Int8Array(m.strings.length).fill(-1);
  const out = new Uint8Array(m.nStacks);
  for (let s = 1; s < m.nStacks; s++) {
    const id = m.stackName[s];
    if (cache[id] < 0) {
      re.lastIndex = 0;
      cache[id] = re.test(m.strings[id]) ? 1 : 0;
    }
    out[s] = out[m.stackParent[s]] | cache[id];
  }
  return out;
}

export function computeGrid(
  m: Model,
  q: SampleQuery,
  rows: number,
  scaleS: number,
  only: Uint8Array | null = null,
): HeatGrid {
  const B = scaleS * 1e9;
  const time = m.time!;
  let maxT = 0;
  for (let i = 0; i < m.nSamples; i++) if (time[i] > maxT) maxT = time[i];
  const cols = Math.floor(maxT / B) + 1;
  const counts = new Float64Array(cols * rows);
  const vals = m.values[q.value] ?? new Float64Array(m.nSamples).fill(1);
  let total = 0;
  forEachSample(m, { ...q, from: null, to: null }, (i) => {
    const t = time[i];
    if (t < 0 || (only && !only[m.sampleStack[i]])) return;
    const c = Math.floor(t / B);
    const r = Math.floor(((t - c * B) * rows) / B);
    counts[c * rows + r] += vals[i];
    total += vals[i];
  });
  let max = 0;
  for (let k = 0; k < counts.length; k++) if (counts[k] > max) max = counts[k];
  return { cols, rows, scaleS, counts, max, total };
}

/** Start (ns) of global bucket k = col * R + row. */
export function bucketStart(k: number, R: number, B: number): number {
  const c = Math.floor(k / R),
    r = k - c * R;
  return c * B + Math.ceil((r * B) / R);
}

export function bucketOf(t: number, R: number, B: number): number {
  const c = Math.floor(t / B);
  return c * R + Math.floor(((t - c * B) * R) / B);
}

/** The half-open range covered by cells (c0, r0) .. (c1, r1), in column-major order, either way round. */
export function cellRange(c0: number, r0: number, c1: number, r1: number, R: number, S: number): Range {
  const B = S * 1e9;
  const a = c0 * R + r0,
    b = c1 * R + r1;
  const lo = Math.min(a, b),
    hi = Math.max(a, b);
  return { from: bucketStart(lo, R, B), to: bucketStart(hi + 1, R, B) };
}

const ML = 56,
  MR = 12,
  MT = 8,
  MB = 24;

export interface HeatmapOptions {
  onSelect: (r: Range | null, baseline: boolean) => void;
  valueType: () => SampleType | undefined;
}

export class HeatmapView {
  readonly el: HTMLDivElement;
  private readonly inner: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly off: HTMLCanvasElement;
  private readonly tooltip: Tooltip;
  grid: HeatGrid | null = null;
  enhanced = false;
  selection: Range | null = null;
  baseline: Range | null = null;
  private drag: { c0: number; r0: number; c1: number; r1: number; base: boolean } | null = null;
  cellW = 8;
  cellH = 6;
  private raf = 0;

  constructor(
    parent: HTMLElement,
    private readonly opts: HeatmapOptions,
  ) {
    this.canvas = el("canvas", { "aria-label": "Heat map: drag to select a time range; Shift-drag sets a baseline" });
    this.inner = el("div", { style: "display:flex" }, this.canvas);
    this.el = el("div", { class: "ls-heat-scroll" }, this.inner);
    parent.append(this.el);
    this.ctx = this.canvas.getContext("2d", { alpha: false })!;
    this.off = document.createElement("canvas");
    this.tooltip = new Tooltip(document.body);
    this.el.addEventListener("scroll", () => this.requestDraw(), { passive: true });
    new ResizeObserver(() => this.requestDraw()).observe(this.el);
    this.canvas.addEventListener("mousedown", (ev) => this.onDown(ev));
    this.canvas.addEventListener("mousemove", (ev) => this.onHover(ev));
    this.canvas.addEventListener("mouseleave", () => this.tooltip.hide());
    window.addEventListener("mousemove", (ev) => this.onDragMove(ev));
    window.addEventListener("mouseup", (ev) => this.onUp(ev));
  }

  setGrid(g: HeatGrid): void {
    this.grid = g;
    this.requestDraw();
  }

  requestDraw(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.draw();
    });
  }

  private geometry(): void {
    const g = this.grid;
    if (!g) return;
    const avail = Math.max(100, this.el.clientWidth - ML - MR);
    this.cellW = Math.max(4, Math.min(48, Math.floor(avail / g.cols)));
    this.cellH = Math.max(2, Math.round(300 / g.rows));
    this.inner.style.width = `${ML + g.cols * this.cellW + MR}px`;
  }

  draw(): void {
    const g = this.grid;
    if (!g) return;
    this.geometry();
    const dpr = window.devicePixelRatio || 1;
    const cssW = this.el.clientWidth,
      cssH = MT + g.rows * this.cellH + MB;
    const W = Math.round(cssW * dpr),
      H = Math.round(cssH * dpr);
    const c = this.canvas;
    if (c.width !== W || c.height !== H) {
      c.width = W;
      c.height = H;
      c.style.width = `${cssW}px`;
      c.style.height = `${cssH}px`;
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, cssW, cssH);
    const sl = this.el.scrollLeft;
    const cw = this.cellW,
      ch = this.cellH,
      R = g.rows;
    const c0 = Math.max(0, Math.floor(sl / cw));
    const c1 = Math.min(g.cols - 1, Math.floor((sl + cssW - ML) / cw));
    const gridH = R * ch;
    // Cells: one pixel per cell in an offscreen canvas, scaled up without smoothing.
    if (c1 >= c0) {
      const n = c1 - c0 + 1;
      this.off.width = n;
      this.off.height = R;
      const octx = this.off.getContext("2d")!;
      const img = octx.createImageData(n, R);
      const d = img.data;
      for (let col = c0; col <= c1; col++) {
        for (let r = 0; r < R; r++) {
          const [rr, gg, bb] = heatColor(g.counts[col * R + r], g.max, this.enhanced);
          const p = ((R - 1 - r) * n + (col - c0)) * 4;
          d[p] = rr;
          d[p + 1] = gg;
          d[p + 2] = bb;
          d[p + 3] = 255;
        }
      }
      octx.putImageData(img, 0, 0);
      ctx.save();
      ctx.beginPath();
      ctx.rect(ML, MT, cssW - ML, gridH);
      ctx.clip();
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(this.off, ML + c0 * cw - sl, MT, n * cw, gridH);
      // Column separators when cells are wide enough to need them.
      if (cw >= 6) {
        ctx.fillStyle = "rgba(255,255,255,0.9)";
        for (let col = c0; col <= c1 + 1; col++) ctx.fillRect(ML + col * cw - sl - 0.5, MT, 1, gridH);
      }
      const sel = this.drag ? cellRange(this.drag.c0, this.drag.r0, this.drag.c1, this.drag.r1, R, g.scaleS) : null;
      const drawRange = (r: Range | null, fill: string, stroke: string) => {
        if (!r) return;
        const B = g.scaleS * 1e9;
        const lo = bucketOf(r.from, R, B),
          hi = bucketOf(r.to - 1, R, B);
        ctx.fillStyle = fill;
        ctx.strokeStyle = stroke;
        ctx.lineWidth = 1.5;
        for (let col = Math.max(c0, Math.floor(lo / R)); col <= Math.min(c1, Math.floor(hi / R)); col++) {
          const ra = col === Math.floor(lo / R) ? lo % R : 0,
            rb = col === Math.floor(hi / R) ? hi % R : R - 1;
          const x = ML + col * cw - sl,
            y = MT + (R - 1 - rb) * ch,
            h = (rb - ra + 1) * ch;
          ctx.fillRect(x, y, cw, h);
          ctx.strokeRect(x + 0.75, y + 0.75, cw - 1.5, h - 1.5);
        }
      };
      const BLUE: [string, string] = ["rgba(47,123,230,0.4)", "rgba(30,90,200,0.95)"];
      const PURPLE: [string, string] = ["rgba(147,110,181,0.5)", "rgba(100,60,150,0.95)"];
      const dr = this.drag;
      const base = dr && dr.base ? sel : this.baseline;
      const selection = dr && !dr.base ? sel : this.selection;
      drawRange(base, ...BLUE);
      drawRange(selection, ...PURPLE);
      ctx.restore();
    }
    // Axes.
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, ML, cssH);
    ctx.fillStyle = "#4a5262";
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    ctx.textAlign = "right";
    const colMs = g.scaleS * 1000;
    for (let k = 0; k <= 4; k++) {
      const y = MT + gridH - (k / 4) * gridH;
      const ms = (k / 4) * colMs;
      ctx.fillText(
        colMs >= 10000 ? `${+(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`,
        ML - 5,
        Math.min(Math.max(y, MT + 5), MT + gridH - 5),
      );
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200];
    const every = steps.find((s) => (s / g.scaleS) * cw >= 56 && s % g.scaleS === 0) ?? steps[steps.length - 1];
    const colsPer = Math.max(1, Math.round(every / g.scaleS));
    for (let col = Math.ceil(c0 / colsPer) * colsPer; col <= c1 + 1; col += colsPer) {
      const x = ML + col * cw - sl;
      if (x < ML - 1) continue;
      ctx.fillRect(x, MT + gridH, 1, 4);
      ctx.fillText(formatAxisSeconds(col * g.scaleS), x, MT + gridH + 6);
    }
    ctx.textAlign = "left";
  }

  /** Cell under client coordinates, clamped to the grid when `clamp`, else null outside it. */
  cellAt(clientX: number, clientY: number, clamp: boolean): { c: number; r: number } | null {
    const g = this.grid;
    if (!g) return null;
    const rect = this.canvas.getBoundingClientRect();
    const x = clientX - rect.left - ML + this.el.scrollLeft,
      y = clientY - rect.top - MT;
    let c = Math.floor(x / this.cellW),
      r = g.rows - 1 - Math.floor(y / this.cellH);
    if (!clamp && (clientX - rect.left < ML || c < 0 || c >= g.cols || r < 0 || r >= g.rows)) return null;
    c = Math.max(0, Math.min(g.cols - 1, c));
    r = Math.max(0, Math.min(g.rows - 1, r));
    return { c, r };
  }

  /** Client coordinates of a cell's center (for tests), scrolling it into view first. */
  cellCenter(c: number, r: number): { x: number; y: number } | null {
    const g = this.grid;
    if (!g || c < 0 || c >= g.cols || r < 0 || r >= g.rows) return null;
    const xContent = c * this.cellW;
    const view = this.el.clientWidth - ML - MR;
    if (xContent < this.el.scrollLeft || xContent + this.cellW > this.el.scrollLeft + view) {
      this.el.scrollLeft = Math.max(0, xContent - view / 2);
      this.draw();
    }
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: rect.left + ML + xContent - this.el.scrollLeft + this.cellW / 2,
      y: rect.top + MT + (g.rows - 1 - r) * this.cellH + this.cellH / 2,
    };
  }

  private onDown(ev: MouseEvent): void {
    if (ev.button !== 0) return;
    const cell = this.cellAt(ev.clientX, ev.clientY, false);
    if (!cell) return;
    ev.preventDefault();
    this.drag = { c0: cell.c, r0: cell.r, c1: cell.c, r1: cell.r, base: ev.shiftKey || ev.ctrlKey || ev.metaKey };
    this.tooltip.hide();
    this.requestDraw();
  }

  private onDragMove(ev: MouseEvent): void {
    if (!this.drag) return;
    const cell = this.cellAt(ev.clientX, ev.clientY, true);
    if (!cell || (cell.c === this.drag.c1 && cell.r === this.drag.r1)) return;
    this.drag.c1 = cell.c;
    this.drag.r1 = cell.r;
    this.requestDraw();
  }

  private onUp(ev: MouseEvent): void {
    const d = this.drag;
    if (!d || !this.grid) return;
    const cell = this.cellAt(ev.clientX, ev.clientY, true);
    if (cell) {
      d.c1 = cell.c;
      d.r1 = cell.r;
    }
    this.drag = null;
    const range = cellRange(d.c0, d.r0, d.c1, d.r1, this.grid.rows, this.grid.scaleS);
    this.opts.onSelect(range, d.base);
    this.requestDraw();
  }

  private onHover(ev: MouseEvent): void {
    const g = this.grid;
    if (!g || this.drag) return;
    const cell = this.cellAt(ev.clientX, ev.clientY, false);
    if (!cell) return this.tooltip.hide();
    const r = cellRange(cell.c, cell.r, cell.c, cell.r, g.rows, g.scaleS);
    const v = g.counts[cell.c * g.rows + cell.r];
    const ty = this.opts.valueType();
    const countText = ty && ty.unit !== "count" ? formatValue(v, ty) : formatNumber(v);
    const lines: string[] = [];
    if (g.scaleS === 1) {
      lines.push(`second: ${cell.c}`, `millisecond: ${formatNumber((r.from - cell.c * 1e9) / 1e6)}`);
    } else {
      lines.push(
        `seconds: ${cell.c * g.scaleS}–${(cell.c + 1) * g.scaleS}`,
        `offset: ${formatNumber((r.from - cell.c * g.scaleS * 1e9) / 1e9)} s`,
      );
    }
    lines.push(`${ty && ty.unit !== "count" ? ty.type : "count"}: ${countText}`);
    lines.push(`range: ${formatNumber(r.from / 1e9)} s – ${formatNumber(r.to / 1e9)} s`);
    const box = el(
      "div",
      {},
      ...lines.map((l) => el("div", { text: l })),
      el("div", { class: "ls-tt-hint", text: "drag: select a range · Shift-drag: baseline" }),
    );
    this.tooltip.show(ev.clientX, ev.clientY, box);
  }
}

export function formatAxisSeconds(s: number): string {
  if (s < 600) return `${s}s`;
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}
