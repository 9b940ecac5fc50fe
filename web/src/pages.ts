// The three pages: flame graph, heat map (with a range's flame graph below it), differential.
import { type SampleQuery, forEachSample, selectEntries } from "./aggregate";
import type { PageHandle } from "./api";
import { rangeDiffTree, sharedPool, singleTree, twoProfileDiffTree } from "./build";
import { companionFor } from "./companion";
import { checkbox, clear, el, select } from "./dom";
import { foldedDiffText, foldedText } from "./folded";
import { formatDurationNs, formatNumber, formatValue, nsToSeconds, shellQuote } from "./format";
import { header, metaItems } from "./header";
import { type HeatGrid, HeatmapView, type Range, computeGrid, stacksMatching } from "./heatmap_view";
import { compileSearch } from "./panel";
import { Model } from "./model";
import { FlamePanel } from "./panel";
import type { Payload } from "./payload";
import { AppState } from "./state";
import { mark } from "./timing";

const b01 = (v: boolean) => (v ? "1" : "0");

/** h:mm:ss.mmm of a nanosecond offset, for long recordings. */
function clock(ns: number): string {
  const ms = Math.floor(ns / 1e6);
  const h = Math.floor(ms / 3600000),
    m = Math.floor((ms % 3600000) / 60000),
    s = (ms % 60000) / 1000;
  return `${h}:${String(m).padStart(2, "0")}:${s.toFixed(3).padStart(6, "0")}`;
}

function commonDefaults(p: Payload, threads: boolean): Record<string, string> {
  const o = p.options;
  return {
    view: "flame",
    o: o.orientation === "icicle" ? "icicle" : "flame",
    order: o.order === "name" ? "name" : "weight",
    c: o.color === "module" ? "module" : "kind",
    v: String(o.value ?? 0),
    s: o.search ?? "",
    th: b01(threads),
    idle: b01(o.hide_idle !== false),
    norm: b01(o.diff_normalize !== false),
    delta: "self",
    z: "",
    fn: "",
    sort: "",
  };
}

function fullHeight(top: number): number {
  return window.innerHeight - Math.max(0, top) - 6;
}

/** How a page is placed: alone (the static files) or as one part of a serve page. */
export interface Embed {
  header?: boolean; // the title and metadata header (default true)
  maxHeight?: (top: number) => number;
}

function disposer(state: AppState, panel: FlamePanel): () => void {
  return () => {
    state.dispose();
    panel.dispose();
  };
}

// ---------------------------------------------------------------------------------------------------------------

export function flamegraphPage(p: Payload, app: HTMLElement, embed: Embed = {}): PageHandle {
  const m = new Model(p.profiles[0]);
  mark("model");
  const state = new AppState(commonDefaults(p, m.hasThreads));
  if (embed.header !== false) app.append(header(p.title, "flame graph", [metaItems(m)], m.meta.comments ?? []));
  const panel = new FlamePanel(app, {
    state,
    sampleTypes: m.sampleTypes,
    hasThreads: m.hasThreads,
    hasIdle: m.hasIdle,
    diffPage: false,
    maxHeight: embed.maxHeight ?? fullHeight,
  });
  const query = (): SampleQuery => ({ value: valueIndex(state, m), hideIdle: state.bool("idle") });
  const rebuild = () => {
    const e = selectEntries(m, query(), state.bool("th"));
    mark("entries");
    const t = singleTree(m, e);
    mark("tree");
    panel.setTree(t, companionFor(m, query(), state.bool("th")));
  };
  state.on((changed) => {
    if (changed.has("v") || changed.has("th") || changed.has("idle")) rebuild();
  });
  rebuild();
  return {
    page: "flamegraph",
    panel,
    currentFolded: () => foldedText(m, query()),
    dispose: disposer(state, panel),
  };
}

function valueIndex(state: AppState, m: Model): number {
  const v = state.num("v");
  return v >= 0 && v < m.sampleTypes.length ? v : 0;
}

// ---------------------------------------------------------------------------------------------------------------

export function diffPage(p: Payload, app: HTMLElement, embed: Embed = {}): PageHandle {
  const base = new Model(p.profiles[0]);
  const neu = new Model(p.profiles[1]);
  const threads = base.hasThreads || neu.hasThreads;
  const state = new AppState(commonDefaults(p, threads));
  if (embed.header !== false)
    app.append(
      header(
        p.title,
        "differential",
        [metaItems(base, "BASE "), metaItems(neu, "NEW ")],
        [...(base.meta.comments ?? []), ...(neu.meta.comments ?? [])],
      ),
    );
  const shared = sharedPool(neu, base);
  const panel = new FlamePanel(app, {
    state,
    sampleTypes: neu.sampleTypes,
    hasThreads: threads,
    hasIdle: base.hasIdle || neu.hasIdle,
    diffPage: true,
    maxHeight: embed.maxHeight ?? fullHeight,
    helpNotes: [
      "Widths are NEW's values. Red: grew from BASE to NEW; blue: shrank; the stronger the color, the larger the change. The Vanished view shows the paths present only in BASE.",
    ],
  });
  const queries = (): [SampleQuery, SampleQuery] => {
    const vn = valueIndex(state, neu);
    const t = neu.sampleTypes[vn];
    let vb = base.sampleTypes.findIndex((x) => x.type === t?.type && x.unit === t?.unit);
    if (vb < 0) vb = vn < base.sampleTypes.length ? vn : 0;
    const idle = state.bool("idle");
    return [
      { value: vb, hideIdle: idle },
      { value: vn, hideIdle: idle },
    ];
  };
  const rebuild = () => {
    const [qb, qn] = queries();
    const th = state.bool("th");
    panel.setTree(twoProfileDiffTree(neu, selectEntries(neu, qn, th), base, selectEntries(base, qb, th), shared));
  };
  state.on((changed) => {
    if (changed.has("v") || changed.has("th") || changed.has("idle")) rebuild();
  });
  rebuild();
  return {
    page: "diff",
    panel,
    dispose: disposer(state, panel),
    currentFolded: () => {
      const [qb, qn] = queries();
      return foldedDiffText(base, qb, neu, qn);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------

// Seconds per column: the writer's list and rule (docs/page-data.md), used when the payload gives none.
const SCALES = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
const ROWS = [10, 20, 25, 49, 50, 99, 100];

function parseRange(s: string): Range | null {
  const m = /^(\d+)-(\d+)$/.exec(s);
  if (!m) return null;
  const from = Number(m[1]),
    to = Number(m[2]);
  return to > from ? { from, to } : null;
}

function distinct(col: Int32Array | null, skip: number): [number, number][] {
  if (!col) return [];
  const counts = new Map<number, number>();
  for (let i = 0; i < col.length; i++) if (col[i] !== skip) counts.set(col[i], (counts.get(col[i]) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
}

export function heatmapPage(p: Payload, app: HTMLElement, embed: Embed = {}): PageHandle {
  const m = new Model(p.profiles[0]);
  const timed = !!m.time;
  let maxT = 0;
  if (m.time) for (let i = 0; i < m.nSamples; i++) if (m.time[i] > maxT) maxT = m.time[i];
  const opts = p.options as unknown as Record<string, unknown>;
  const given = Number(opts.column_s ?? opts.column_seconds); // column_seconds: an early draft's name
  const autoScale =
    Number.isInteger(given) && given > 0
      ? given
      : (SCALES.find((s) => Math.floor(maxT / (s * 1e9)) + 1 <= 1000) ?? SCALES[SCALES.length - 1]);
  const scales = SCALES.includes(autoScale) ? SCALES : [...SCALES, autoScale].sort((a, b) => a - b);
  const defaults = {
    ...commonDefaults(p, m.hasThreads),
    rows: String(
      ROWS.includes(p.options.rows)
        ? p.options.rows
        : p.options.rows > 0 && p.options.rows <= 1000
          ? Math.floor(p.options.rows)
          : 50,
    ),
    scale: String(autoScale),
    enh: "0",
    sel: "",
    base: "",
    pid: "",
    tid: "",
    comm: "",
    cpu: "",
  };
  const state = new AppState(defaults);
  if (embed.header !== false) app.append(header(p.title, "heat map", [metaItems(m)], m.meta.comments ?? []));
  const input = m.attr("input") ?? "PROFILE";

  // Heat map controls.
  const heatPanel = el("div", { class: "ls-heat-panel" });
  const bar = el("div", { class: "ls-toolbar" });
  const group = (...c: (HTMLElement | string)[]) => el("div", { class: "ls-group" }, ...c);
  const controls: Record<string, HTMLSelectElement | HTMLInputElement> = {};
  const sel = (key: string, opts: [string, string][], title: string) =>
    (controls[key] = select(opts, state.get(key), (v) => state.set({ [key]: v || null }), title, key));
  const rowsOpts = [...new Set([...ROWS, Number(defaults.rows)])].sort((a, b) => a - b);
  bar.append(
    group(
      el("label", { text: "Rows" }),
      sel(
        "rows",
        rowsOpts.map((r) => [String(r), `${r} (${formatDurationNs(1e9 / r)} at 1 s)`]),
        "Buckets per column",
      ),
    ),
  );
  const nPossible = (s: number) => (Math.floor(maxT / (s * 1e9)) + 1) * Number(state.get("rows"));
  bar.append(
    group(
      el("label", { text: "Column" }),
      sel(
        "scale",
        scales
          .filter((s) => s === autoScale || (nPossible(s) <= 8e6 && (s <= autoScale * 60 || s <= 60)))
          .map((s) => [String(s), s < 60 ? `${s} s` : s < 3600 ? `${s / 60} min` : `${s / 3600} h`]),
        "Seconds per column (coarser for long recordings)",
      ),
    ),
  );
  const enh = checkbox(
    "Enhanced",
    state.bool("enh"),
    (v) => state.set({ enh: v }),
    "Low counts stand out (FlameScope's enhanced scale)",
    "enh",
  );
  controls.enh = enh.querySelector("input")!;
  bar.append(group(enh));
  if (m.sampleTypes.length > 1)
    bar.append(
      group(
        el("label", { text: "Weight" }),
        sel(
          "v",
          m.sampleTypes.map((t, i) => [
            String(i),
            t.type === "samples" || t.unit === "count" ? "samples" : `${t.type} (${t.unit})`,
          ]),
          "What a cell counts (V)",
        ),
      ),
    );
  const filters: [string, string, Int32Array | null, number, (v: number) => string][] = [
    ["pid", "pid", m.pid, -1, (v) => String(v)],
    ["tid", "tid", m.tid, -1, (v) => String(v)],
    ["comm", "thread", m.thread, 0, (v) => m.strings[v] ?? "?"],
    ["cpu", "CPU", m.cpu, -1, (v) => String(v)],
  ];
  for (const [key, label, col, skip, name] of filters) {
    const vals = distinct(col, skip);
    if (vals.length < 2) continue;
    const opts: [string, string][] = [
      ["", `all ${label}s`],
      ...vals.slice(0, 500).map(([v, n]): [string, string] => [String(v), `${name(v)} (${formatNumber(n)})`]),
    ];
    bar.append(group(el("label", { text: label }), sel(key, opts, `Only samples of this ${label}`)));
  }
  if (m.hasIdle) {
    const c = checkbox(
      "Hide idle",
      state.bool("idle"),
      (v) => state.set({ idle: v }),
      "Drop samples whose leaf frame is an idle function",
      "idle",
    );
    controls.idle = c.querySelector("input")!;
    bar.append(group(c));
  }
  heatPanel.append(bar);
  const heat = new HeatmapView(heatPanel, {
    onSelect: (r, baseline) =>
      state.set(baseline ? { base: r ? `${r.from}-${r.to}` : null } : { sel: r ? `${r.from}-${r.to}` : null }),
    valueType: () => m.sampleTypes[valueIndex(state, m)],
  });
  const info = el("div", { class: "ls-heat-info" });
  const searchNote = el("div", { class: "ls-note", style: "padding:0 14px 4px;color:#8a168a" });
  heatPanel.append(info, searchNote);
  app.append(heatPanel);
  if (!timed) {
    heat.el.style.display = "none";
    bar.style.display = "none";
  }

  const panel = new FlamePanel(app, {
    state,
    sampleTypes: m.sampleTypes,
    hasThreads: m.hasThreads,
    hasIdle: false,
    diffPage: false,
    valueSelect: false,
    maxHeight: embed.maxHeight ?? (() => Math.max(360, window.innerHeight - 110)),
    extraKeys: [
      ["Drag on the heat map", "Select a time range: its flame graph appears below"],
      [
        "Shift+drag or Ctrl+drag",
        "Set a baseline range: the graph below becomes the differential baseline → selection",
      ],
      ["Esc", "Clear the selection, then the baseline"],
    ],
    helpNotes: [
      "Cells count samples (or the chosen weight) in sub-second buckets: columns are seconds (or coarser), rows are offsets within the column, the start at the bottom.",
    ],
    onKey: (ev) => {
      if (ev.key !== "Escape") return false;
      if (state.get("sel")) state.set({ sel: null });
      else if (state.get("base")) state.set({ base: null });
      return true;
    },
  });

  const baseQuery = (): SampleQuery => {
    const num = (k: string) => (state.get(k) === "" ? null : state.num(k));
    return {
      value: valueIndex(state, m),
      hideIdle: state.bool("idle"),
      pid: num("pid"),
      tid: num("tid"),
      comm: num("comm"),
      cpu: num("cpu"),
    };
  };
  const rangeQuery = (r: Range | null): SampleQuery => ({
    ...baseQuery(),
    from: r ? r.from : null,
    to: r ? r.to : null,
  });
  let grid: HeatGrid | null = null;
  const rebuildGrid = () => {
    if (!timed) return;
    const re = compileSearch(state.get("s"));
    const only = re && re !== "bad" ? stacksMatching(m, re) : null;
    grid = computeGrid(
      m,
      baseQuery(),
      Math.max(1, state.num("rows", 50)),
      Math.max(1, state.num("scale", autoScale)),
      only,
    );
    heat.setGrid(grid);
    searchNote.textContent = only
      ? `The heat map counts only samples with a frame matching /${state.get("s")}/ (the search).`
      : "";
  };
  const countIn = (q: SampleQuery) => {
    const ci = m.countValueIndex();
    let n = 0;
    forEachSample(m, q, ci >= 0 ? (i) => (n += m.values[ci][i]) : () => n++);
    return n;
  };
  const sumIn = (q: SampleQuery) => {
    const v = m.values[q.value];
    let n = 0;
    if (v) forEachSample(m, q, (i) => (n += v[i]));
    return n;
  };
  const command = (r: Range) => {
    const q = baseQuery();
    const parts = ["lambdascope", "collapse", "--from", nsToSeconds(r.from), "--to", nsToSeconds(r.to)];
    // --opt=value: the CLI's filters take several values, so a bare value could swallow the input path.
    if (q.pid != null) parts.push(`--only-pid=${q.pid}`);
    if (q.tid != null) parts.push(`--only-tid=${q.tid}`);
    if (q.comm != null) parts.push(shellQuote(`--only-comm=${m.strings[q.comm]}`));
    const t = m.sampleTypes[q.value];
    if (t && !(t.type === "samples" || t.unit === "count")) parts.push("--weight", shellQuote(t.type));
    for (const word of input.split(" ")) if (word) parts.push(shellQuote(word));
    return parts.join(" ");
  };
  const renderInfo = (selR: Range | null, baseR: Range | null) => {
    clear(info);
    if (!timed) {
      info.append(
        el("span", {
          class: "ls-note",
          text: "This profile has no sample times, so there is no heat map; the flame graph shows every sample.",
        }),
      );
      return;
    }
    const ty = m.sampleTypes[valueIndex(state, m)];
    const notes: string[] = [];
    if (state.bool("idle") && m.hasIdle) notes.push("idle samples are hidden here; collapse keeps them");
    if (state.get("cpu") !== "") notes.push("the CPU filter has no collapse option");
    const describe = (label: string, cls: string, r: Range, clearKey: string) => {
      const q = rangeQuery(r);
      const n = countIn(q);
      const clearBtn = el("button", { text: "Clear", title: clearKey === "sel" ? "Esc" : "Esc after the selection" });
      clearBtn.addEventListener("click", () => state.set({ [clearKey]: null }));
      info.append(
        el("span", {
          class: cls,
          text: `${label}: ${nsToSeconds(r.from)} s – ${nsToSeconds(r.to)} s${r.to >= 600e9 ? ` (${clock(r.from)} – ${clock(r.to)})` : ""}`,
        }),
        el("span", {
          text: `${formatDurationNs(r.to - r.from)} · ${formatNumber(n)} samples${ty && ty.unit !== "count" ? ` · ${formatValue(sumIn(q), ty)}` : ""}`,
        }),
        clearBtn,
        el("code", { text: command(r), title: "The same samples from the command line (click to select)" }),
      );
      info.append(el("div", { style: "flex-basis:100%;height:0" }));
    };
    if (selR) describe("Selection", "ls-sel", selR, "sel");
    if (baseR) describe("Baseline", "ls-base", baseR, "base");
    if (selR && baseR)
      info.append(
        el("span", {
          class: "ls-note",
          text: "The graph below is the differential baseline → selection: red grew, blue shrank.",
        }),
      );
    if (!selR && !baseR) {
      info.append(
        el("span", {
          class: "ls-note",
          text: `No range selected: the graph below shows all ${formatNumber(grid ? countIn(rangeQuery(null)) : 0)} samples. Drag across the heat map to pick a time range; Shift-drag (or Ctrl/Cmd) sets a baseline for a differential.`,
        }),
      );
    } else if (!selR) {
      info.append(
        el("span", {
          class: "ls-note",
          text: "Baseline set: now drag (no modifier) to select the range to compare with it.",
        }),
      );
    }
    if (notes.length) info.append(el("span", { class: "ls-note", text: `(${notes.join("; ")})` }));
  };
  const rebuildTree = () => {
    const selR = parseRange(state.get("sel")),
      baseR = parseRange(state.get("base"));
    heat.selection = selR;
    heat.baseline = baseR;
    heat.requestDraw();
    renderInfo(selR, baseR);
    const th = state.bool("th");
    if (selR && baseR)
      panel.setTree(rangeDiffTree(m, selectEntries(m, rangeQuery(baseR), th), selectEntries(m, rangeQuery(selR), th)));
    else {
      const q = rangeQuery(selR ?? baseR);
      panel.setTree(singleTree(m, selectEntries(m, q, th)), companionFor(m, q, th));
    }
  };
  const syncControls = () => {
    for (const [k, c] of Object.entries(controls)) {
      if (c instanceof HTMLInputElement) c.checked = state.bool(k);
      else c.value = state.get(k);
    }
  };
  state.on((changed) => {
    syncControls();
    const has = (...k: string[]) => k.some((x) => changed.has(x));
    if (has("enh")) {
      heat.enhanced = state.bool("enh");
      heat.requestDraw();
    }
    if (has("rows", "scale", "v", "idle", "pid", "tid", "comm", "cpu", "s")) rebuildGrid();
    if (has("sel", "base", "v", "idle", "pid", "tid", "comm", "cpu", "th")) rebuildTree();
  });
  heat.enhanced = state.bool("enh");
  rebuildGrid();
  rebuildTree();
  return {
    page: "heatmap",
    panel,
    dispose: disposer(state, panel),
    heatmap: heat,
    currentFolded: () => foldedText(m, rangeQuery(parseRange(state.get("sel")))),
    selection: () => ({ selection: parseRange(state.get("sel")), baseline: parseRange(state.get("base")) }),
    extraState: () => ({
      selection: parseRange(state.get("sel")),
      baseline: parseRange(state.get("base")),
      command: parseRange(state.get("sel")) ? command(parseRange(state.get("sel"))!) : null,
    }),
  };
}
