// What the tooltip says about a node: name, where it is (module, file:line, kind), and its values.
import { el } from "./dom";
import { formatPercent, formatValue } from "./format";
import { KIND_NAMES } from "./model";
import type { SampleType } from "./payload";
import { type CallTree, ROOT_FRAME, THREAD_FRAME } from "./tree";

export interface ValueContext {
  type: SampleType | undefined;
  grandTotal: number; // 100% (new side for a diff)
  baseGrandTotal: number; // diff: base side total, unscaled
  scale: number; // diff: factor applied to base values (normalization), 1 otherwise
}

/** The same node's value of another sample type (wall beside cpu). */
export interface OtherValue {
  type: SampleType;
  total: number;
  self: number;
}

export function frameLocation(t: CallTree, v: number): { module: string; file: string; kind: string } {
  const f = t.frame[v];
  if (f < 0) return { module: "", file: "", kind: f === THREAD_FRAME ? "thread" : "" };
  const m = t.models[t.src[v]];
  const module = m.strings[m.frameModule[f]] ?? "";
  let file = m.strings[m.frameFile[f]] ?? "";
  const line = m.frameLine[f];
  if (file && line > 0) file += `:${line}`;
  return { module, file, kind: KIND_NAMES[m.frameKind[f]] ?? "native" };
}

function row(k: string, ...v: (string | Node)[]): HTMLTableRowElement {
  return el("tr", {}, el("td", { text: k }), el("td", {}, ...v));
}

function signed(v: number, t: SampleType | undefined): string {
  return (v > 0 ? "+" : v < 0 ? "−" : "±") + formatValue(Math.abs(v), t);
}

export function nodeDetails(t: CallTree, v: number, c: ValueContext, hint: string, other?: OtherValue): HTMLElement {
  const name = t.frame[v] === ROOT_FRAME && t.name[v] < 0 ? "all (every sample in this view)" : t.label(v);
  const loc = frameLocation(t, v);
  const rows: HTMLTableRowElement[] = [];
  if (loc.kind) rows.push(row("kind", loc.kind));
  if (loc.module) rows.push(row("module", el("span", { class: "ls-tt-loc", text: loc.module })));
  if (loc.file) rows.push(row("source", el("span", { class: "ls-tt-loc", text: loc.file })));
  const p = t.parent[v];
  const ty = c.type;
  if (!t.baseTotal || !t.baseSelf) {
    const tot = t.total[v],
      self = t.self[v];
    const ofParent = p >= 0 ? `, ${formatPercent(tot, t.total[p])} of parent` : "";
    rows.push(row("total", `${formatValue(tot, ty)} (${formatPercent(tot, c.grandTotal)} of all${ofParent})`));
    rows.push(row("self", `${formatValue(self, ty)} (${formatPercent(self, c.grandTotal)} of all)`));
    if (other) {
      rows.push(
        row(other.type.type, `${formatValue(other.total, other.type)}, self ${formatValue(other.self, other.type)}`),
      );
      // wall minus cpu: the time the frame's thread was not running (waiting on I/O, a lock, sleep).
      const wall = ty?.type === "wall" ? tot : other.type.type === "wall" ? other.total : NaN;
      const cpu = ty?.type === "cpu" ? tot : other.type.type === "cpu" ? other.total : NaN;
      if (Number.isFinite(wall) && Number.isFinite(cpu))
        rows.push(
          row("waiting", `${formatValue(Math.max(0, wall - cpu), ty?.type === "wall" ? ty : other.type)} (wall − cpu)`),
        );
    }
  } else {
    const b = t.baseTotal[v] * c.scale,
      n = t.total[v];
    const bs = t.baseSelf[v] * c.scale,
      ns = t.self[v];
    const scaled = c.scale !== 1 ? " (scaled)" : "";
    const baseAll = c.baseGrandTotal * c.scale;
    rows.push(
      row(`base${scaled}`, `${formatValue(b, ty)} (${formatPercent(b, baseAll)}), self ${formatValue(bs, ty)}`),
    );
    rows.push(row("new", `${formatValue(n, ty)} (${formatPercent(n, c.grandTotal)}), self ${formatValue(ns, ty)}`));
    const d = n - b,
      ds = ns - bs;
    const cls = (x: number) => (x > 0 ? "ls-grew" : x < 0 ? "ls-shrank" : "");
    rows.push(
      row(
        "delta",
        el("span", {
          class: cls(d),
          text: `${signed(d, ty)} (${b > 0 ? (d >= 0 ? "+" : "") + formatPercent(d, b) : n > 0 ? "new" : "–"})`,
        }),
        ", self ",
        el("span", { class: cls(ds), text: signed(ds, ty) }),
      ),
    );
  }
  return el(
    "div",
    {},
    el("div", { class: "ls-tt-name", text: name }),
    el("table", {}, el("tbody", {}, ...rows)),
    hint ? el("div", { class: "ls-tt-hint", text: hint }) : null,
  );
}
