// Top functions: self and total per function (each stack counted once under recursion), sortable, filtered by
// the search, virtualized (only the rows in view exist in the DOM). A name opens the flame graph with that
// function highlighted; the ⇅ button opens its sandwich.
import { clear, el } from "./dom";
import { formatPercent, formatValue } from "./format";
import type { SampleType } from "./payload";
import { type FunctionStats, displayName } from "./tree";

const ROW_H = 22;

export interface TableData {
  stats: FunctionStats;
  pool: string[];
  type: SampleType | undefined;
  grandTotal: number;
  scale: number; // diff normalization applied to base values
  filter: RegExp | null;
}

export class TableView {
  readonly el: HTMLDivElement;
  private readonly head: HTMLDivElement;
  private readonly body: HTMLDivElement;
  private data: TableData | null = null;
  private rows: Int32Array = new Int32Array(0);
  private sortKey = "";
  private raf = 0;

  constructor(
    parent: HTMLElement,
    private readonly maxHeight: () => number,
    private readonly onPick: (nameId: number, action: "graph" | "sandwich") => void,
    private readonly onSort: (key: string) => void,
  ) {
    this.head = el("div", { class: "ls-table-head" });
    this.body = el("div", { style: "position:relative" });
    this.el = el("div", { class: "ls-table-wrap" }, this.head, this.body);
    this.el.addEventListener("scroll", () => this.requestRender(), { passive: true });
    parent.append(this.el);
    new ResizeObserver(() => this.requestRender()).observe(this.el);
  }

  get diff(): boolean {
    return !!this.data?.stats.baseTotal;
  }

  setData(d: TableData, sortKey: string): void {
    this.data = d;
    const diff = !!d.stats.baseTotal;
    this.sortKey = sortKey || (diff ? "delta" : "self");
    const desc = !this.sortKey.startsWith("-");
    const s = d.stats;
    const idx: number[] = [];
    for (let i = 0; i < s.n; i++) {
      if (d.filter) {
        d.filter.lastIndex = 0;
        if (!d.filter.test(d.pool[s.name[i]])) continue;
      }
      if (s.total[i] === 0 && (!s.baseTotal || s.baseTotal[i] === 0)) continue;
      idx.push(i);
    }
    const key = this.sortKey.replace(/^-/, "");
    const delta = (i: number) => s.total[i] - (s.baseTotal ? s.baseTotal[i] * d.scale : 0);
    const val = (i: number): number =>
      key === "total"
        ? s.total[i]
        : key === "base"
          ? s.baseTotal
            ? s.baseTotal[i]
            : 0
          : key === "delta"
            ? delta(i)
            : key === "new"
              ? s.total[i]
              : s.self[i];
    // Names ascend and numbers descend by default; "-key" reverses.
    const dir = key === "name" ? (desc ? 1 : -1) : desc ? 1 : -1;
    if (key === "name")
      idx.sort(
        (a, b) => dir * (d.pool[s.name[a]] < d.pool[s.name[b]] ? -1 : d.pool[s.name[a]] > d.pool[s.name[b]] ? 1 : 0),
      );
    else idx.sort((a, b) => dir * (val(b) - val(a) || s.total[b] - s.total[a]));
    this.rows = Int32Array.from(idx);
    this.renderHead();
    this.body.style.height = `${this.rows.length * ROW_H}px`;
    this.requestRender();
  }

  private renderHead(): void {
    clear(this.head);
    const diff = this.diff;
    this.head.classList.toggle("ls-diff", diff);
    const cols: [string, string, boolean][] = diff
      ? [
          ["name", "Function", false],
          ["base", "Base total", true],
          ["new", "New total", true],
          ["delta", "Delta", true],
          ["delta", "Δ %", true],
        ]
      : [
          ["name", "Function", false],
          ["self", "Self", true],
          ["self", "Self %", true],
          ["total", "Total", true],
          ["total", "Total %", true],
        ];
    const marked = new Set<string>();
    const cur = this.sortKey.replace(/^-/, ""),
      reversed = this.sortKey.startsWith("-");
    for (const [key, label, num] of cols) {
      const down = key === "name" ? reversed : !reversed;
      const mark = key === cur && !marked.has(key) ? (down ? " ▼" : " ▲") : "";
      marked.add(key);
      const c = el("div", {
        class: num ? "ls-num" : "",
        text: label + mark,
        title: `Sort by ${label.toLowerCase()} (again: reverse)`,
      });
      c.addEventListener("click", () => this.onSort(key === cur && !reversed ? `-${key}` : key));
      this.head.append(c);
    }
    this.head.title = `${this.rows.length} functions`;
  }

  requestRender(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.render();
    });
  }

  layoutHeight(): void {
    this.el.style.height = `${Math.max(160, this.maxHeight())}px`;
  }

  private render(): void {
    this.layoutHeight();
    clear(this.body);
    const d = this.data;
    if (!d) return;
    if (this.rows.length === 0) {
      this.body.append(
        el("div", { class: "ls-empty", text: d.filter ? "No function matches the search." : "No samples." }),
      );
      this.body.style.height = "auto";
      return;
    }
    const s = d.stats;
    const headH = this.head.offsetHeight;
    const top = Math.max(0, this.el.scrollTop - headH);
    const first = Math.max(0, Math.floor(top / ROW_H) - 5);
    const last = Math.min(this.rows.length, Math.ceil((top + this.el.clientHeight) / ROW_H) + 5);
    const diff = !!s.baseTotal;
    const ty = d.type;
    for (let k = first; k < last; k++) {
      const i = this.rows[k];
      const id = s.name[i];
      const name = displayName(d.pool[id]);
      const fn = el("div", { class: "ls-fn", title: `${name}\nClick: show in the flame graph` });
      const sw = el("button", {
        text: "⇅",
        title: "Sandwich: callers and callees",
        style: "padding:0 4px;margin-right:6px;font-size:11px;line-height:14px",
      });
      sw.addEventListener("click", (ev) => {
        ev.stopPropagation();
        this.onPick(id, "sandwich");
      });
      fn.append(sw, name);
      fn.addEventListener("click", () => this.onPick(id, "graph"));
      const num = (text: string, cls = "") => el("div", { class: `ls-num ${cls}`, text });
      const r = el("div", { class: `ls-table-row${diff ? " ls-diff" : ""}`, style: `top:${k * ROW_H}px` }, fn);
      if (!diff) {
        const pt = d.grandTotal > 0 ? (100 * s.total[i]) / d.grandTotal : 0;
        const ps = d.grandTotal > 0 ? (100 * s.self[i]) / d.grandTotal : 0;
        const bar = (e: HTMLElement, p: number, c: string) => {
          e.style.background = `linear-gradient(to left, ${c} ${p.toFixed(2)}%, transparent ${p.toFixed(2)}%)`;
          return e;
        };
        r.append(
          bar(num(formatValue(s.self[i], ty)), ps, "rgba(225,110,40,.22)"),
          num(formatPercent(s.self[i], d.grandTotal)),
          bar(num(formatValue(s.total[i], ty)), pt, "rgba(75,95,201,.18)"),
          num(formatPercent(s.total[i], d.grandTotal)),
        );
      } else {
        const b = s.baseTotal![i] * d.scale,
          n = s.total[i],
          dd = n - b;
        const cls = dd > 0 ? "ls-grew" : dd < 0 ? "ls-shrank" : "";
        r.append(
          num(formatValue(b, ty)),
          num(formatValue(n, ty)),
          num((dd > 0 ? "+" : dd < 0 ? "−" : "") + formatValue(Math.abs(dd), ty), cls),
          num(formatPercent(dd, d.grandTotal), cls),
        );
      }
      this.body.append(r);
    }
  }
}
