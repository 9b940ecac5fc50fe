// The flame graph renderer: one viewport-sized <canvas> that scrolls over rows (a sticky canvas over a spacer,
// so a 10,000-deep stack never makes a canvas taller than the browser allows). Only visible rows are drawn;
// in a row, frames narrower than a pixel are merged into one bar by jumping over them with a binary search, so
// a frame costs nothing unless it is visible and wide. Hit testing: row from y, then binary search on x.
import { FRAME_FONT, el } from "./dom";
import type { Layout } from "./tree";
import { MATCH_COLOR } from "./colors";

export interface FlameData {
  layout: Layout;
  label(v: number): string;
  fill(v: number): string;
  match: Uint8Array | null; // search matches; null = no search
}

export interface FlameViewOptions {
  maxHeight: () => number; // CSS px the view may take
  onHover?: (v: number, ev: MouseEvent | null) => void;
  onClick?: (v: number, ev: MouseEvent) => void;
  onDrawn?: () => void;
}

const ROW_H = 18;
const TINY_PX = 1; // frames narrower than this (CSS px) are merged

export class FlameView {
  readonly el: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly spacer: HTMLDivElement;
  private readonly ctx: CanvasRenderingContext2D;
  private data: FlameData | null = null;
  private zoom = 0;
  private zoomMaxDepth = 0;
  private orientation: "flame" | "icicle" = "flame";
  hover = -1;
  private cssW = 0;
  private viewH = 0;
  private contentH = 0;
  private charW = 7;
  private raf = 0;
  private scrollReset = true;
  drawCount = 0;
  lastDrawMs = 0;

  constructor(
    parent: HTMLElement,
    private readonly opts: FlameViewOptions,
  ) {
    this.canvas = el("canvas", {
      role: "img",
      "aria-label": "Flame graph (the Top functions view lists the same data as text)",
    });
    this.spacer = el("div", { class: "ls-spacer" });
    this.el = el("div", { class: "ls-flame" }, this.canvas, this.spacer);
    parent.append(this.el);
    const ctx = this.canvas.getContext("2d", { alpha: false });
    if (!ctx) throw new Error("this browser cannot draw on a canvas");
    this.ctx = ctx;
    this.el.addEventListener("scroll", () => this.requestDraw(), { passive: true });
    this.canvas.addEventListener("mousemove", (ev) => this.onMove(ev));
    this.canvas.addEventListener("mouseleave", () => this.setHover(-1, null));
    this.canvas.addEventListener("click", (ev) => {
      const v = this.hitTest(ev.clientX, ev.clientY);
      if (v >= 0 && this.opts.onClick) this.opts.onClick(v, ev);
    });
    new ResizeObserver(() => this.requestDraw()).observe(this.el);
  }

  setData(data: FlameData | null, zoom: number): void {
    const first = this.data === null && data !== null;
    this.data = data;
    this.hover = -1;
    this.setZoom(zoom);
    // The first drawing is made at once rather than on the next animation frame: it is what people wait for.
    if (first && this.el.offsetParent !== null) {
      cancelAnimationFrame(this.raf);
      this.raf = 0;
      this.draw();
    }
  }

  setZoom(v: number): void {
    const l = this.data?.layout;
    this.zoom = l && v >= 0 && v < l.tree.n && l.depth[v] >= 0 ? v : 0;
    this.zoomMaxDepth = 0;
    if (l) {
      const z = this.zoom;
      let m = l.depth[z];
      for (let k = l.preIndex[z]; k < l.subEnd[z]; k++) {
        const d = l.depth[l.pre[k]];
        if (d > m) m = d;
      }
      this.zoomMaxDepth = m;
    }
    this.scrollReset = true;
    this.requestDraw();
  }

  getZoom(): number {
    return this.zoom;
  }

  setOrientation(o: "flame" | "icicle"): void {
    if (o === this.orientation) return;
    this.orientation = o;
    this.scrollReset = true;
    this.requestDraw();
  }

  requestDraw(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.draw();
    });
  }

  private measure(): void {
    const fromBottom = this.contentH - this.viewH - this.el.scrollTop;
    const rows = this.data ? this.zoomMaxDepth + 1 : 1;
    let contentH = rows * ROW_H + 2;
    const maxH = Math.max(120, this.opts.maxHeight());
    const h = Math.min(maxH, contentH);
    if (this.el.style.height !== `${h}px`) this.el.style.height = `${h}px`;
    const viewH = this.el.clientHeight || h;
    contentH = Math.max(contentH, viewH);
    const changed = contentH !== this.contentH || viewH !== this.viewH;
    this.contentH = contentH;
    this.viewH = viewH;
    this.cssW = this.el.clientWidth;
    // The canvas takes the view's height in the flow; the spacer makes up the rest of the content.
    this.canvas.style.height = `${viewH}px`;
    this.canvas.style.width = `${this.cssW}px`;
    this.spacer.style.height = `${contentH - viewH}px`;
    if (this.scrollReset) {
      this.scrollReset = false;
      this.el.scrollTop = this.orientation === "flame" ? contentH : 0;
    } else if (changed && this.orientation === "flame") {
      // Keep the root where it was: flame graphs grow upward from the bottom.
      this.el.scrollTop = Math.max(0, contentH - viewH - fromBottom);
    }
  }

  /** Content y (CSS px from the top of the scrolled content) of a depth's row. */
  private rowY(d: number): number {
    return this.orientation === "flame" ? this.contentH - 1 - (d + 1) * ROW_H : 1 + d * ROW_H;
  }

  draw(): void {
    const t0 = performance.now();
    this.measure();
    const dpr = window.devicePixelRatio || 1;
    const W = Math.max(1, Math.round(this.cssW * dpr)),
      H = Math.max(1, Math.round(this.viewH * dpr));
    const c = this.canvas;
    if (c.width !== W || c.height !== H) {
      c.width = W;
      c.height = H;
    }
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, W, H);
    const data = this.data;
    if (!data || data.layout.count === 0 || data.layout.width[0] <= 0) {
      ctx.fillStyle = "#6b7280";
      ctx.font = `${13 * dpr}px system-ui, sans-serif`;
      ctx.textBaseline = "middle";
      ctx.fillText(data ? "No samples to show." : "", 16 * dpr, Math.min(H / 2, 40 * dpr));
      this.finishDraw(t0);
      return;
    }
    const l = data.layout;
    const { x, width, rowStart, rowNodes, depth } = l;
    const z = this.zoom;
    const zDepth = depth[z];
    const vx0 = x[z],
      vw = width[z];
    const scale = this.cssW / vw; // CSS px per value unit
    const scrollTop = this.el.scrollTop;
    ctx.font = FRAME_FONT.replace(/^(\d+)px/, (_, n) => `${Number(n) * dpr}px`);
    ctx.textBaseline = "middle";
    this.charW = ctx.measureText("MMMMMMMMMM").width / 10 / dpr;
    const charW = this.charW;
    const rowHd = ROW_H * dpr;
    const match = data.match;
    const maxD = this.zoomMaxDepth;
    // Visible depth range.
    let dLo: number, dHi: number;
    if (this.orientation === "flame") {
      dLo = Math.floor((this.contentH - 1 - (scrollTop + this.viewH)) / ROW_H);
      dHi = Math.ceil((this.contentH - 1 - scrollTop) / ROW_H);
    } else {
      dLo = Math.floor((scrollTop - 1) / ROW_H);
      dHi = Math.ceil((scrollTop + this.viewH) / ROW_H);
    }
    dLo = Math.max(0, dLo);
    dHi = Math.min(maxD, dHi);
    let alpha = 1;
    const setAlpha = (a: number) => {
      if (a !== alpha) {
        ctx.globalAlpha = a;
        alpha = a;
      }
    };
    const vx1 = vx0 + vw;
    for (let d = dLo; d <= dHi; d++) {
      const yTop = Math.round((this.rowY(d) - scrollTop) * dpr);
      const hRect = rowHd - Math.max(1, Math.round(dpr));
      const faded = d < zDepth;
      const rs = rowStart[d],
        re = rowStart[d + 1];
      // First node whose right edge is past vx0.
      let lo = rs,
        hi = re;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (x[rowNodes[mid]] <= vx0) lo = mid + 1;
        else hi = mid;
      }
      let i = Math.max(rs, lo - 1);
      while (i < re) {
        const v = rowNodes[i];
        const nx = x[v];
        if (nx >= vx1) break;
        const nw = width[v];
        if (nx + nw <= vx0) {
          i++;
          continue;
        }
        const px0 = (nx - vx0) * scale;
        const pw = nw * scale;
        if (pw < TINY_PX) {
          // Merge a run of tiny frames: jump to the first frame that starts at least a pixel further on.
          let runEnd = nx + nw;
          let j = i + 1;
          while (j < re && runEnd < vx1) {
            const target = vx0 + (Math.floor((runEnd - vx0) * scale) + 1) / scale;
            let a = j,
              b = re;
            while (a < b) {
              const mid = (a + b) >> 1;
              if (x[rowNodes[mid]] < target) a = mid + 1;
              else b = mid;
            }
            if (a > j) {
              // Nodes j..a-1 start before the next pixel; all but the last end before the last starts.
              const last = rowNodes[a - 1];
              if (width[last] * scale >= TINY_PX) {
                if (a - 2 >= j) runEnd = Math.max(runEnd, x[rowNodes[a - 2]] + width[rowNodes[a - 2]]);
                j = a - 1;
                break;
              }
              runEnd = Math.max(runEnd, x[last] + width[last]);
              j = a;
              continue;
            }
            const nv = rowNodes[j];
            if (width[nv] * scale >= TINY_PX || x[nv] - runEnd > 1 / scale) break;
            runEnd = Math.max(runEnd, x[nv] + width[nv]);
            j++;
          }
          const X0 = Math.round(px0 * dpr);
          const X1 = Math.max(X0 + 1, Math.round(Math.min(runEnd - vx0, vw) * scale * dpr));
          setAlpha(faded ? 0.55 : match ? 0.35 : 0.85);
          ctx.fillStyle = data.fill(v);
          ctx.fillRect(X0, yTop, X1 - X0, hRect);
          i = j;
          continue;
        }
        const cx0 = Math.max(0, px0),
          cx1 = Math.min(this.cssW, px0 + pw);
        const X0 = Math.round(cx0 * dpr),
          X1 = Math.round(cx1 * dpr);
        const wDev = X1 - X0;
        const gap = wDev >= 3 ? 1 : 0;
        const isMatch = match ? match[v] === 1 : false;
        setAlpha(faded ? 0.55 : match && !isMatch ? 0.42 : 1);
        ctx.fillStyle = isMatch ? MATCH_COLOR : data.fill(v);
        ctx.fillRect(X0, yTop, Math.max(1, wDev - gap), hRect);
        const avail = cx1 - cx0 - 6;
        if (avail >= charW * 3) {
          const maxChars = Math.floor(avail / charW);
          let text = data.label(v);
          if (text.length > maxChars) text = text.slice(0, maxChars - 1) + "…";
          ctx.fillStyle = isMatch ? "#fff" : "#111";
          ctx.fillText(text, X0 + 3 * dpr, yTop + hRect / 2 + 0.5);
        }
        i++;
      }
    }
    setAlpha(1);
    const hv = this.hover;
    if (hv >= 0 && depth[hv] >= 0) {
      const r = this.nodeBox(hv);
      if (r) {
        ctx.strokeStyle = "#111";
        ctx.lineWidth = Math.max(1, Math.round(dpr));
        ctx.strokeRect(
          Math.round(r.x * dpr) + 0.5,
          Math.round(r.y * dpr) + 0.5,
          Math.max(1, Math.round(r.w * dpr) - 2),
          Math.round(ROW_H * dpr) - 2,
        );
      }
    }
    this.finishDraw(t0);
  }

  private finishDraw(t0: number): void {
    this.drawCount++;
    this.lastDrawMs = performance.now() - t0;
    if (this.opts.onDrawn) this.opts.onDrawn();
  }

  /** The node's box in canvas CSS px (x clipped to the view), or null when it is not in view. */
  private nodeBox(v: number): { x: number; y: number; w: number } | null {
    const l = this.data?.layout;
    if (!l || l.depth[v] < 0) return null;
    const z = this.zoom;
    const scale = this.cssW / l.width[z];
    const x0 = Math.max(0, (l.x[v] - l.x[z]) * scale),
      x1 = Math.min(this.cssW, (l.x[v] + l.width[v] - l.x[z]) * scale);
    if (x1 <= x0) return null;
    if (l.depth[v] > this.zoomMaxDepth) return null;
    const y = this.rowY(l.depth[v]) - this.el.scrollTop;
    if (y + ROW_H <= 0 || y >= this.viewH) return null;
    return { x: x0, y, w: x1 - x0 };
  }

  /** Where a node is on screen (client coordinates), for tests and keyboard focus. */
  nodeClientRect(v: number): { x: number; y: number; w: number; h: number } | null {
    const b = this.nodeBox(v);
    if (!b) return null;
    const r = this.canvas.getBoundingClientRect();
    return { x: r.left + b.x, y: r.top + b.y, w: b.w, h: ROW_H - 1 };
  }

  /** Scrolls so that the node's row is in view. */
  revealRow(v: number): void {
    const l = this.data?.layout;
    if (!l || l.depth[v] < 0) return;
    this.measure();
    const y = this.rowY(l.depth[v]);
    const top = this.el.scrollTop;
    if (y < top || y + ROW_H > top + this.viewH) this.el.scrollTop = Math.max(0, y - this.viewH / 2);
    this.requestDraw();
  }

  hitTest(clientX: number, clientY: number): number {
    const l = this.data?.layout;
    if (!l || l.count === 0) return -1;
    const r = this.canvas.getBoundingClientRect();
    const px = clientX - r.left,
      py = clientY - r.top + this.el.scrollTop;
    const d =
      this.orientation === "flame" ? Math.floor((this.contentH - 1 - py) / ROW_H) : Math.floor((py - 1) / ROW_H);
    if (d < 0 || d > this.zoomMaxDepth || d > l.maxDepth) return -1;
    const z = this.zoom;
    const vx = l.x[z] + (px / this.cssW) * l.width[z];
    const { rowStart, rowNodes, x, width } = l;
    let lo = rowStart[d],
      hi = rowStart[d + 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x[rowNodes[mid]] <= vx) lo = mid + 1;
      else hi = mid;
    }
    if (lo - 1 < rowStart[d]) return -1;
    const v = rowNodes[lo - 1];
    return vx < x[v] + width[v] ? v : -1;
  }

  private onMove(ev: MouseEvent): void {
    this.setHover(this.hitTest(ev.clientX, ev.clientY), ev);
  }

  setHover(v: number, ev: MouseEvent | null): void {
    if (this.opts.onHover) this.opts.onHover(v, ev);
    if (v === this.hover) return;
    this.hover = v;
    this.requestDraw();
  }
}
