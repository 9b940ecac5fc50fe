// The sandwich view: a function's callers (flame, root at the bottom) above its callees (icicle), each merged
// over every place the function occurs. Clicking zooms within one half.
import { clear, el } from "./dom";
import { FlameView } from "./flame_view";
import { formatPercent, formatValue } from "./format";
import type { SampleType } from "./payload";
import { type CallTree, type Layout, type Order, displayName, layoutTree, sandwichTrees, searchTree } from "./tree";

export interface SandwichInput {
  tree: CallTree;
  fn: number; // pool index of the function, or -1
  order: Order;
  valueType: SampleType | undefined;
  search: RegExp | null;
  fill: (l: Layout) => (v: number) => string;
}

export class SandwichView {
  readonly el: HTMLDivElement;
  private readonly callersTitle: HTMLDivElement;
  private readonly calleesTitle: HTMLDivElement;
  private readonly callersView: FlameView;
  private readonly calleesView: FlameView;
  private cache: { tree: CallTree; key: string; callers: Layout; callees: Layout } | null = null;

  constructor(
    parent: HTMLElement,
    maxHeight: (top: number) => number,
    onHover: (l: Layout, v: number, ev: MouseEvent | null, what: string) => void,
  ) {
    this.callersTitle = el("div", { class: "ls-sandwich-title" });
    this.calleesTitle = el("div", { class: "ls-sandwich-title" });
    this.el = el("div", { class: "ls-sandwich" });
    parent.append(this.el);
    this.el.append(this.callersTitle);
    const half = () => Math.max(140, (maxHeight(this.el.getBoundingClientRect().top) - 60) / 2);
    const zoomLocal = (view: FlameView, v: number) => view.setZoom(v === view.getZoom() ? 0 : v);
    this.callersView = new FlameView(this.el, {
      maxHeight: half,
      onHover: (v, ev) => this.cache && onHover(this.cache.callers, v, ev, "caller chain"),
      onClick: (v) => zoomLocal(this.callersView, v),
    });
    this.el.append(this.calleesTitle);
    this.calleesView = new FlameView(this.el, {
      maxHeight: half,
      onHover: (v, ev) => this.cache && onHover(this.cache.callees, v, ev, "callee"),
      onClick: (v) => zoomLocal(this.calleesView, v),
    });
    this.callersView.setOrientation("flame");
    this.calleesView.setOrientation("icicle");
  }

  /** Forgets the layouts (the tree changed). */
  reset(): void {
    this.cache = null;
  }

  requestDraw(): void {
    this.callersView.requestDraw();
    this.calleesView.requestDraw();
  }

  render(inp: SandwichInput): void {
    const t = inp.tree;
    const fn = inp.fn;
    clear(this.callersTitle);
    clear(this.calleesTitle);
    if (fn < 0) {
      this.callersTitle.append("No function to show.");
      this.callersView.setData(null, 0);
      this.calleesView.setData(null, 0);
      return;
    }
    const key = `${fn}:${inp.order}`;
    if (!this.cache || this.cache.tree !== t || this.cache.key !== key) {
      const { callers, callees } = sandwichTrees(t, fn);
      this.cache = {
        tree: t,
        key,
        callers: layoutTree(callers, callers.total, inp.order),
        callees: layoutTree(callees, callees.total, inp.order),
      };
    }
    const { callers, callees } = this.cache;
    const name = displayName(t.pool[fn]);
    const total = callees.width[0];
    this.callersTitle.append(
      "Callers of ",
      el("b", { text: name }),
      ` — ${formatValue(total, inp.valueType)} (${formatPercent(total, t.total[0])} of all). Callers are above it; click to zoom.`,
    );
    this.calleesTitle.append("Callees of ", el("b", { text: name }), " — what it calls, below it.");
    const re = inp.search;
    const data = (l: Layout) => ({
      layout: l,
      label: (v: number) => l.tree.label(v),
      fill: inp.fill(l),
      match: re ? searchTree(l, re).match : null,
    });
    this.callersView.setData(data(callers), 0);
    this.calleesView.setData(data(callees), 0);
  }
}
