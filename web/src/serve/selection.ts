// A selection of invocations: a box of the latency heat map (start time and duration ranges) or a list of
// keys (rows of the table). Written as the API's selection parameters, so the URL, the API and the highlight
// in the table agree on what is selected.
import type { InvocationRow } from "./client";
import type { Box } from "./latency_heatmap";

export type Selection = { box: Box; keys?: undefined } | { keys: string[]; box?: undefined };

export function selectionQuery(s: Selection): string {
  const p = new URLSearchParams();
  if (s.box) {
    p.set("since", String(s.box.t0));
    p.set("until", String(s.box.t1));
    p.set("min_duration", String(s.box.d0));
    p.set("max_duration", String(s.box.d1));
  } else {
    for (const k of s.keys) p.append("key", k);
  }
  return p.toString();
}

export function parseSelection(q: string | null): Selection | null {
  if (!q) return null;
  const p = new URLSearchParams(q);
  const keys = p.getAll("key");
  if (keys.length) return { keys };
  const n = (k: string) => Number(p.get(k));
  const box = { t0: n("since"), t1: n("until"), d0: n("min_duration"), d1: n("max_duration") };
  return Object.values(box).every(Number.isFinite) && box.t1 > box.t0 ? { box } : null;
}

/** The API's rule (store/profile_query): since <= start < until, min <= duration <= max. */
export function selects(s: Selection, r: InvocationRow): boolean {
  if (s.keys) return s.keys.includes(r.key);
  const b = s.box;
  return r.start_ms >= b.t0 && r.start_ms < b.t1 && r.duration_ms >= b.d0 && r.duration_ms <= b.d1;
}
