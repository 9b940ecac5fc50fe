// The page header: title and the profile's metadata (command, event, frequency, duration, samples, units).
import { el } from "./dom";
import { formatDurationNs, formatNumber } from "./format";
import type { Model } from "./model";

export function metaItems(m: Model, prefix = ""): HTMLElement[] {
  const a = m.meta.attributes ?? {};
  const items: HTMLElement[] = [];
  const item = (k: string, v: string, cls = "") =>
    items.push(el("span", { class: cls, title: `${k}: ${v}` }, el("b", { text: `${prefix}${k}: ` }), v));
  if (a.cmdline) item("command", a.cmdline, "ls-cmd");
  if (a.event) item("event", a.event);
  if (a.frequency_hz) item("frequency", `${a.frequency_hz} Hz`);
  const dur = m.meta.duration_ns ?? 0;
  if (dur > 0) item("duration", formatDurationNs(dur));
  item("samples", formatNumber(m.sampleTotal()));
  const types = m.sampleTypes.map((t) => `${t.type} (${t.unit})`).join(", ");
  if (types) item("values", types);
  if (m.meta.period && m.meta.period_type) item("period", `${formatNumber(m.meta.period)} ${m.meta.period_type.unit}`);
  if (a.source_format) item("from", a.source_format);
  if (a.input) item("input", a.input);
  return items;
}

export function header(title: string, kind: string, metas: HTMLElement[][], comments: string[]): HTMLElement {
  const h = el(
    "header",
    { class: "ls-header" },
    el("h1", {}, el("span", { class: "ls-kind", text: kind }), el("span", { text: title })),
  );
  for (const m of metas) h.append(el("div", { class: "ls-meta" }, ...m));
  if (comments.length) h.title = comments.join("\n");
  return h;
}
