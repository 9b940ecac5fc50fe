// The function page's latency heat map: x the invocations' start time, y their duration on a log scale, colour
// the number of invocations in the cell; cells holding init profiles get a teal frame. Drag selects a box (A),
// Shift-drag a second one (B, the baseline); both are drawn as outlines.
import { heatColor } from "../colors";
import { el } from "../dom";
import { Tooltip } from "../tooltip";
import type { InvocationRow } from "./client";
import { ms, when } from "./ui";

/** A box in the heat map: start times [t0, t1) (epoch ms) and durations [d0, d1] (ms). */
export interface Box {
  t0: number;
  t1: number;
  d0: number;
  d1: number;
}

const ROWS = 28;
const CELL_W = 10;
const LEFT = 56;
const BOTTOM = 22;
const TOP = 6;
const HEIGHT = 250;

export class LatencyHeatmap {
  readonly el: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly legend: HTMLDivElement;
  private readonly tooltip = new Tooltip(document.body);
  private rows: InvocationRow[] = [];
  private cols = 1;
  private tMin = 0;
  private tMax = 1;
  private lMin = 0;
  private lMax = 1;
  private counts = new Int32Array(0);
  private inits = new Int32Array(0);
  private maxCount = 1;
  boxA: Box | null = null;
  boxB: Box | null = null;
  private drag: { x0: number; y0: number; x1: number; y1: number; baseline: boolean } | null = null;

  constructor(
    parent: HTMLElement,
    private readonly onBox: (b: Box, baseline: boolean) => void,
  ) {
    this.canvas = el("canvas", {
      role: "img",
      "aria-label": "Latency heat map: start time across, duration up (log scale), colour = invocations",
    });
    this.legend = el("div", { class: "ls-legend", style: "padding:2px 0 0 56px" });
    this.el = el("div", { class: "sv-heat" }, this.canvas, this.legend);
    parent.append(this.el);
    new ResizeObserver(() => this.layout()).observe(this.el);
    this.canvas.addEventListener("mousedown", (ev) => {
      const [x, y] = this.local(ev);
      if (x < LEFT) return;
      ev.preventDefault();
      this.drag = { x0: x, y0: y, x1: x, y1: y, baseline: ev.shiftKey || ev.ctrlKey || ev.metaKey };
    });
    window.addEventListener("mousemove", (ev) => {
      if (!this.drag) return;
      [this.drag.x1, this.drag.y1] = this.local(ev);
      this.draw();
    });
    window.addEventListener("mouseup", () => {
      const d = this.drag;
      if (!d) return;
      this.drag = null;
      this.onBox(this.boxFromPixels(d.x0, d.y0, d.x1, d.y1), d.baseline);
    });
    this.canvas.addEventListener("mousemove", (ev) => this.hover(ev));
    this.canvas.addEventListener("mouseleave", () => this.tooltip.hide());
  }

  setRows(rows: InvocationRow[]): void {
    this.rows = rows;
    this.layout();
  }

  private local(ev: MouseEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top];
  }

  private get plotW(): number {
    return this.cols * CELL_W;
  }
  private get plotH(): number {
    return HEIGHT - TOP - BOTTOM;
  }

  private layout(): void {
    const width = Math.max(300, this.el.clientWidth - 16);
    this.cols = Math.max(10, Math.floor((width - LEFT - 8) / CELL_W));
    const rows = this.rows;
    if (rows.length) {
      // Loops, not Math.min(...rows): a spread of 100,000 arguments overflows the stack.
      let t0 = Infinity,
        t1 = -Infinity,
        d0 = Infinity,
        d1 = -Infinity;
      for (const r of rows) {
        t0 = Math.min(t0, r.start_ms);
        t1 = Math.max(t1, r.start_ms);
        d0 = Math.min(d0, r.duration_ms);
        d1 = Math.max(d1, r.duration_ms);
      }
      this.tMin = t0;
      this.tMax = t1 + 1;
      const dMin = Math.max(0.5, d0);
      const dMax = Math.max(dMin * 2, d1 + 1);
      this.lMin = Math.log10(dMin * 0.8);
      this.lMax = Math.log10(dMax * 1.25);
    }
    this.counts = new Int32Array(this.cols * ROWS);
    this.inits = new Int32Array(this.cols * ROWS);
    for (const r of rows) {
      const i = this.col(r.start_ms) * ROWS + this.row(r.duration_ms);
      this.counts[i]++;
      if (r.phase === "init") this.inits[i]++;
    }
    this.maxCount = this.counts.reduce((a, b) => Math.max(a, b), 1);
    this.renderLegend();
    const dpr = window.devicePixelRatio || 1;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${HEIGHT}px`;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(HEIGHT * dpr);
    this.draw();
  }

  private col(t: number): number {
    return Math.min(this.cols - 1, Math.max(0, Math.floor(((t - this.tMin) / (this.tMax - this.tMin)) * this.cols)));
  }
  private row(d: number): number {
    const f = (Math.log10(Math.max(0.5, d)) - this.lMin) / (this.lMax - this.lMin);
    return Math.min(ROWS - 1, Math.max(0, Math.floor(f * ROWS)));
  }
  private tAt(c: number): number {
    return this.tMin + ((this.tMax - this.tMin) * c) / this.cols;
  }
  private dAt(r: number): number {
    return 10 ** (this.lMin + ((this.lMax - this.lMin) * r) / ROWS);
  }
  private xOf(t: number): number {
    return LEFT + ((t - this.tMin) / (this.tMax - this.tMin)) * this.plotW;
  }
  private yOf(d: number): number {
    const f = (Math.log10(Math.max(0.5, d)) - this.lMin) / (this.lMax - this.lMin);
    return TOP + this.plotH * (1 - f);
  }

  /** Where an invocation is drawn, in client coordinates (tests brush between two of these). */
  clientPoint(t: number, d: number): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    const c = this.col(t),
      row = this.row(d);
    return { x: r.left + LEFT + (c + 0.5) * CELL_W, y: r.top + TOP + this.plotH - (row + 0.5) * (this.plotH / ROWS) };
  }

  private cellAt(x: number, y: number): [number, number] {
    const c = Math.min(this.cols - 1, Math.max(0, Math.floor((x - LEFT) / CELL_W)));
    const r = Math.min(ROWS - 1, Math.max(0, Math.floor(((TOP + this.plotH - y) / this.plotH) * ROWS)));
    return [c, r];
  }

  private boxFromPixels(x0: number, y0: number, x1: number, y1: number): Box {
    const [c0, r0] = this.cellAt(Math.min(x0, x1), Math.max(y0, y1));
    const [c1, r1] = this.cellAt(Math.max(x0, x1), Math.min(y0, y1));
    // Whole cells; the edges rounded outward to whole milliseconds so every invocation drawn inside is kept.
    return {
      t0: Math.floor(this.tAt(c0)),
      t1: c1 === this.cols - 1 ? Math.ceil(this.tMax) : Math.ceil(this.tAt(c1 + 1)),
      d0: r0 === 0 ? 0 : Math.floor(this.dAt(r0)),
      d1: r1 === ROWS - 1 ? Math.ceil(this.dAt(ROWS)) + 1 : Math.ceil(this.dAt(r1 + 1)),
    };
  }

  private hover(ev: MouseEvent): void {
    if (this.drag) return this.tooltip.hide();
    const [x, y] = this.local(ev);
    if (x < LEFT || x > LEFT + this.plotW || y < TOP || y > TOP + this.plotH) return this.tooltip.hide();
    const [c, r] = this.cellAt(x, y);
    const n = this.counts[c * ROWS + r],
      inits = this.inits[c * ROWS + r];
    const box = el(
      "div",
      {},
      el("div", {
        class: "ls-tt-name",
        text: `${n} invocation${n === 1 ? "" : "s"}${inits ? ` (${inits} init)` : ""}`,
      }),
      el("div", { text: `start ${when(this.tAt(c))} … ${when(this.tAt(c + 1))}` }),
      el("div", { text: `duration ${ms(this.dAt(r))} … ${ms(this.dAt(r + 1))}` }),
      el("div", { class: "ls-tt-hint", text: "drag: select (A) · Shift-drag: baseline (B)" }),
    );
    this.tooltip.show(ev.clientX, ev.clientY, box);
  }

  /** Square-root scale: a lone invocation stays visible beside a cell of hundreds. */
  private color(n: number): [number, number, number] {
    return heatColor(0.15 + Math.sqrt(n / this.maxCount), 1.15, false);
  }

  private renderLegend(): void {
    const sw = (n: number) => {
      const [r, g, b] = this.color(n);
      return el("i", { style: `background:rgb(${r | 0},${g | 0},${b | 0})` });
    };
    const m = this.maxCount;
    const steps = [...new Set([1, Math.max(1, Math.round(m / 4)), m])];
    this.legend.replaceChildren(
      "invocations per cell: ",
      ...steps.map((n) => el("span", {}, sw(n), String(n))),
      el("span", {}, el("i", { style: "background:#fff;border:2px solid #1f7a7a" }), "init profile in the cell"),
    );
  }

  draw(): void {
    const g = this.canvas.getContext("2d");
    if (!g) return;
    const dpr = this.canvas.width / Math.max(1, this.canvas.clientWidth);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const ch = this.plotH / ROWS;
    g.fillStyle = "#fafbfc";
    g.fillRect(LEFT, TOP, this.plotW, this.plotH);
    for (let c = 0; c < this.cols; c++) {
      for (let r = 0; r < ROWS; r++) {
        const n = this.counts[c * ROWS + r];
        if (!n) continue;
        const [R, G, B] = this.color(n);
        g.fillStyle = `rgb(${R | 0},${G | 0},${B | 0})`;
        const x = LEFT + c * CELL_W,
          y = TOP + this.plotH - (r + 1) * ch;
        g.fillRect(x, y, CELL_W - 1, ch - 1);
        if (this.inits[c * ROWS + r]) {
          // Init profiles: the cell gets a teal frame.
          g.strokeStyle = "#1f7a7a";
          g.lineWidth = 2;
          g.strokeRect(x - 1, y - 1, CELL_W + 1, ch + 1);
          g.lineWidth = 1;
        }
      }
    }
    // Axes: durations at 1-2-5 steps, times at a few evenly spaced ticks.
    g.fillStyle = "#4a5262";
    g.strokeStyle = "#e3e6eb";
    g.font = "11px system-ui, sans-serif";
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (let e = Math.floor(this.lMin); e <= Math.ceil(this.lMax); e++) {
      for (const m of [1, 2, 5]) {
        const d = m * 10 ** e;
        const y = this.yOf(d);
        if (y < TOP || y > TOP + this.plotH) continue;
        g.fillText(ms(d), LEFT - 6, y);
        g.beginPath();
        g.moveTo(LEFT, y + 0.5);
        g.lineTo(LEFT + this.plotW, y + 0.5);
        g.stroke();
      }
    }
    g.textAlign = "center";
    g.textBaseline = "top";
    const ticks = Math.max(2, Math.floor(this.plotW / 160));
    for (let i = 0; i <= ticks; i++) {
      const t = this.tMin + ((this.tMax - this.tMin) * i) / ticks;
      const iso = new Date(t).toISOString();
      const label = this.tMax - this.tMin < 60000 ? iso.slice(11, 23) : iso.slice(11, 19);
      g.fillText(label, LEFT + (this.plotW * i) / ticks, TOP + this.plotH + 5);
    }
    const outline = (b: Box | null, color: string) => {
      if (!b) return;
      const x0 = this.xOf(b.t0),
        x1 = this.xOf(b.t1);
      const y0 = this.yOf(Math.max(0.5, b.d1)),
        y1 = b.d0 <= 0 ? TOP + this.plotH : this.yOf(b.d0);
      g.strokeStyle = color;
      g.lineWidth = 2;
      g.strokeRect(
        Math.max(LEFT, x0),
        Math.max(TOP, y0),
        Math.min(this.plotW + LEFT, x1) - Math.max(LEFT, x0),
        Math.min(TOP + this.plotH, y1) - Math.max(TOP, y0),
      );
      g.lineWidth = 1;
    };
    outline(this.boxB, "#e07b12");
    outline(this.boxA, "#4b5fc9");
    const d = this.drag;
    if (d) {
      g.strokeStyle = d.baseline ? "#e07b12" : "#4b5fc9";
      g.setLineDash([4, 3]);
      g.strokeRect(Math.min(d.x0, d.x1), Math.min(d.y0, d.y1), Math.abs(d.x1 - d.x0), Math.abs(d.y1 - d.y0));
      g.setLineDash([]);
    }
  }
}
