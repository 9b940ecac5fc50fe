// Pieces every serve page uses: the top bar, number and time formats, a sortable table, a status line.
import { clear, el } from "../dom";

export const SERVE_CSS = `
.sv-top { display: flex; align-items: center; gap: 14px; padding: 8px 16px; background: #1d2330; color: #e8ebf2; }
.sv-top a { color: #c9d3ff; text-decoration: none; }
.sv-top a:hover { text-decoration: underline; }
.sv-top .sv-brand { font-weight: 700; color: #fff; letter-spacing: .02em; }
.sv-top .sv-crumb { color: #9aa3b8; }
.sv-page { padding: 12px 16px; display: flex; flex-direction: column; gap: 12px; }
.sv-card { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; }
.sv-card > h2 { font-size: 13.5px; margin: 0; padding: 8px 12px; border-bottom: 1px solid #eceef2; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.sv-card > h2 .sv-sub { font-weight: 400; color: #5b6372; font-size: 12px; }
.sv-table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
.sv-table th { position: sticky; top: 0; background: #f0f2f6; text-align: left; font-weight: 600; padding: 0; border-bottom: 1px solid #d5d9e0; white-space: nowrap; }
.sv-table th button { border: none; background: none; width: 100%; text-align: inherit; padding: 5px 8px; font-weight: 600; border-radius: 0; }
.sv-table th.sv-num, .sv-table td.sv-num { text-align: right; }
.sv-table td { padding: 3px 8px; border-bottom: 1px solid #f0f1f4; white-space: nowrap; max-width: 48ch; overflow: hidden; text-overflow: ellipsis; }
.sv-table tbody tr:hover { background: #f3f5fb; }
.sv-table tbody tr:focus { outline: 2px solid #4b5fc9; outline-offset: -2px; }
.sv-table tr.sv-a { background: #e3e8ff; }
.sv-table tr.sv-b { background: #ffeedd; }
.sv-table tr.sv-a.sv-b { background: repeating-linear-gradient(45deg, #e3e8ff 0 6px, #ffeedd 6px 12px); }
.sv-table tr.sv-noise td { color: #8a919e; }
.sv-table .sv-mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11.5px; }
.sv-scroll { max-height: 320px; overflow: auto; }
.sv-status { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; padding: 6px 12px; font-size: 12.5px; min-height: 34px; }
.sv-status progress { width: 160px; }
.sv-pill { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 11.5px; font-weight: 600; }
.sv-pill.sv-a { background: #4b5fc9; color: #fff; }
.sv-pill.sv-b { background: #e07b12; color: #fff; }
.sv-pill.sv-noise { background: #e6e8ee; color: #5b6372; }
.sv-pill.sv-init { background: #2b8a8a; color: #fff; }
.sv-note { color: #5b6372; font-size: 12px; }
.sv-answer { font-size: 14px; padding: 10px 12px; line-height: 1.5; }
.sv-answer b { font-weight: 650; }
.sv-flame { display: flex; flex-direction: column; min-height: 420px; }
.sv-heat canvas { display: block; cursor: crosshair; }
.sv-heat { position: relative; padding: 4px 8px 8px; }
a.sv-button, button.sv-primary { display: inline-block; border: 1px solid #4b5fc9; background: #4b5fc9; color: #fff; border-radius: 4px; padding: 2px 10px; text-decoration: none; font-size: 12.5px; }
a.sv-button.sv-plain { background: #fff; color: #1d2330; border-color: #c3c9d4; }
`;

export function topBar(...crumbs: (HTMLElement | string)[]): HTMLElement {
  const bar = el(
    "nav",
    { class: "sv-top", "aria-label": "Where you are" },
    el("a", { href: "/", class: "sv-brand", text: "lambdascope" }),
  );
  for (const c of crumbs) bar.append(el("span", { class: "sv-crumb", text: "›" }), c);
  return bar;
}

export function ms(v: number): string {
  if (!Number.isFinite(v)) return "–";
  if (v >= 10000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 100) return `${Math.round(v)} ms`;
  return `${v.toFixed(v >= 10 ? 1 : 2)} ms`;
}

export function signedMs(v: number): string {
  return `${v > 0 ? "+" : v < 0 ? "−" : "±"}${ms(Math.abs(v))}`;
}

export function when(epochMs: number): string {
  if (!Number.isFinite(epochMs) || epochMs <= 0) return "–";
  const d = new Date(epochMs);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}Z`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export interface Column<R> {
  key: string;
  label: string;
  num?: boolean;
  title?: string;
  value: (r: R) => number | string;
  cell?: (r: R) => Node | string;
  mono?: boolean;
  hidden?: () => boolean; // left out while true (checked at each render)
}

/** A table sorted by clicking its headings; rows are text nodes only. Shows at most `limit` rows. */
export class SortTable<R> {
  readonly el: HTMLDivElement;
  private rows: R[] = [];
  private sortKey: string;
  private desc: boolean;
  private readonly table: HTMLTableElement;
  private readonly more: HTMLDivElement;
  private trs: HTMLTableRowElement[] = [];
  private shown: R[] = [];

  constructor(
    private readonly cols: Column<R>[],
    sort: string,
    private readonly opts: {
      limit?: number;
      rowClass?: (r: R) => string;
      onRow?: (r: R, ev: MouseEvent | KeyboardEvent) => void;
      onSort?: (key: string) => void;
      label: string;
    },
  ) {
    this.desc = sort.startsWith("-");
    this.sortKey = sort.replace(/^-/, "");
    this.table = el("table", { class: "sv-table", "aria-label": opts.label });
    this.more = el("div", { class: "sv-note", style: "padding:4px 8px" });
    this.el = el("div", { class: "sv-scroll" }, this.table, this.more);
  }

  /** The rows in the order shown. */
  shownRows(): R[] {
    return this.shown;
  }

  get sort(): string {
    return (this.desc ? "-" : "") + this.sortKey;
  }

  setRows(rows: R[]): void {
    this.rows = rows;
    this.render();
  }

  /** Re-applies row classes (the selection changed) without rebuilding the rows. */
  refreshClasses(): void {
    const rc = this.opts.rowClass;
    if (rc) this.trs.forEach((tr, i) => (tr.className = rc(this.shown[i])));
  }

  private render(): void {
    clear(this.table);
    const head = el("tr", {});
    const cols = this.cols.filter((c) => !c.hidden?.());
    for (const c of cols) {
      const on = c.key === this.sortKey;
      const b = el("button", {
        text: `${c.label}${on ? (this.desc ? " ▾" : " ▴") : ""}`,
        title: c.title ?? `Sort by ${c.label}`,
      });
      b.addEventListener("click", () => {
        if (this.sortKey === c.key) this.desc = !this.desc;
        else {
          this.sortKey = c.key;
          this.desc = !!c.num;
        }
        this.opts.onSort?.(this.sort);
        this.render();
      });
      head.append(
        el(
          "th",
          { class: c.num ? "sv-num" : "", "aria-sort": on ? (this.desc ? "descending" : "ascending") : null },
          b,
        ),
      );
    }
    const col = this.cols.find((c) => c.key === this.sortKey) ?? this.cols[0];
    const sorted = [...this.rows].sort((a, b) => {
      const x = col.value(a),
        y = col.value(b);
      const d = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return this.desc ? -d : d;
    });
    const limit = this.opts.limit ?? 1000;
    this.shown = sorted.slice(0, limit);
    const body = el("tbody", {});
    this.trs = this.shown.map((r) => {
      const tr = el("tr", { tabindex: this.opts.onRow ? "0" : null });
      for (const c of cols) {
        const v = c.cell ? c.cell(r) : String(c.value(r));
        tr.append(el("td", { class: `${c.num ? "sv-num" : ""}${c.mono ? " sv-mono" : ""}` }, v));
      }
      if (this.opts.onRow) {
        const on = this.opts.onRow;
        tr.addEventListener("click", (ev) => {
          if ((ev.target as HTMLElement).closest("a")) return;
          on(r, ev);
        });
        tr.addEventListener("keydown", (ev) => {
          if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            on(r, ev);
          } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
            ev.preventDefault();
            const next = (
              ev.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling
            ) as HTMLElement | null;
            next?.focus();
          }
        });
      }
      body.append(tr);
      return tr;
    });
    this.table.append(el("thead", {}, head), body);
    this.more.textContent =
      sorted.length > limit ? `${sorted.length - limit} more rows not shown (sort to see others).` : "";
    this.refreshClasses();
  }
}

/** Replaces the content of a status line. */
export function status(box: HTMLElement, ...parts: (Node | string)[]): void {
  clear(box);
  box.append(...parts);
}

/** A titled card: heading, a grey subtitle, then the content. */
export function card(title: string, sub: string, ...content: (Node | string)[]): HTMLElement {
  const h = el("h2", {}, title);
  if (sub) h.append(el("span", { class: "sv-sub", text: sub }));
  return el("section", { class: "sv-card" }, h, ...content);
}

/** A table column whose cell is a link to the row's page. */
export function linkColumn<R>(key: string, label: string, text: (r: R) => string, href: (r: R) => string): Column<R> {
  return { key, label, value: text, cell: (r) => el("a", { href: href(r), text: text(r) }), mono: true };
}
