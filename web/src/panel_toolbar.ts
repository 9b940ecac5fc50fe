// The flame-graph panel's toolbar: view tabs, search, orientation, order, colors (with legends), value, thread
// level, idle, the page's own controls and the help button. Every control writes the state; the panel reads it.
import { KIND_LEGEND, diffColor } from "./colors";
import { checkbox, el, select } from "./dom";
import type { Help } from "./help";
import type { PanelConfig } from "./panel";

export interface Toolbar {
  el: HTMLDivElement;
  tabs: Map<string, HTMLButtonElement>;
  searchInput: HTMLInputElement;
  matchedEl: HTMLSpanElement;
  controls: Map<string, HTMLSelectElement | HTMLInputElement>;
  diffOnly: HTMLElement[]; // shown on differential graphs only
  plainOnly: HTMLElement[]; // shown on plain graphs only
  kindLegend: HTMLElement;
}

const swatch = (color: string) => el("i", { style: `background:${color}` });

function diffLegend(): HTMLElement {
  return el(
    "span",
    { class: "ls-legend" },
    el("span", {}, swatch(diffColor(0.8)), "grew"),
    el("span", {}, swatch(diffColor(-0.8)), "shrank"),
    el("span", {}, swatch(diffColor(0)), "same"),
  );
}

function searchBox(cfg: PanelConfig): HTMLInputElement {
  const st = cfg.state;
  const input = el("input", {
    type: "search",
    class: "ls-search",
    placeholder: "Search regex  ( / )",
    spellcheck: "false",
    "aria-label": "Search frames (regular expression)",
  }) as HTMLInputElement;
  input.value = st.get("s");
  input.addEventListener("input", () => st.set({ s: input.value || null }));
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      if (input.value) st.set({ s: null });
      input.value = "";
      input.blur();
      ev.stopPropagation();
    } else if (ev.key === "Enter") {
      input.blur();
    }
  });
  return input;
}

export function buildToolbar(cfg: PanelConfig, help: Help): Toolbar {
  const st = cfg.state;
  const bar = el("div", { class: "ls-toolbar" });
  const tabs = new Map<string, HTMLButtonElement>();
  const controls = new Map<string, HTMLSelectElement | HTMLInputElement>();
  const diffOnly: HTMLElement[] = [];
  const plainOnly: HTMLElement[] = [];

  const tabList = el("div", { class: "ls-tabs", role: "tablist" });
  const views: [string, string][] = [
    ["flame", "Flame graph"],
    ["vanished", "Vanished"],
    ["table", "Top functions"],
    ["sandwich", "Sandwich"],
  ];
  for (const [v, label] of views) {
    const b = el("button", {
      text: label,
      role: "tab",
      "data-view": v,
      title: v === "vanished" ? "Paths present only in BASE (E)" : "",
    });
    if (v === "vanished") diffOnly.push(b);
    b.addEventListener("click", () => st.set({ view: v }));
    tabs.set(v, b);
    tabList.append(b);
  }
  const searchInput = searchBox(cfg);
  const matchedEl = el("span", { class: "ls-matched", "aria-live": "polite" });
  const sel = (key: string, opts: [string, string][], title: string) => {
    const s = select(opts, st.get(key), (v) => st.set({ [key]: v }), title, key);
    controls.set(key, s);
    return s;
  };
  const check = (key: string, label: string, title: string) => {
    const c = checkbox(label, st.bool(key), (v) => st.set({ [key]: v }), title, key);
    controls.set(key, c.querySelector("input")!);
    return c;
  };
  const group = (...c: (HTMLElement | string)[]) => el("div", { class: "ls-group" }, ...c);
  bar.append(tabList, el("div", { class: "ls-sep" }), group(searchInput, matchedEl), el("div", { class: "ls-sep" }));
  bar.append(
    group(
      sel(
        "o",
        [
          ["flame", "Flame ⊥"],
          ["icicle", "Icicle ⊤"],
        ],
        "Orientation (I): flame has the root at the bottom, icicle at the top",
      ),
    ),
  );
  bar.append(
    group(
      sel(
        "order",
        [
          ["weight", "Heaviest first"],
          ["name", "A to Z"],
        ],
        "Order of children (O)",
      ),
    ),
  );
  const norm = check("norm", "Normalize", "Scale BASE to NEW's total before comparing (N)");
  const deltaSel = sel(
    "delta",
    [
      ["self", "Color by self delta"],
      ["total", "Color by total delta"],
    ],
    "What the red/blue intensity shows",
  );
  const diffGroup = group(deltaSel, norm, diffLegend());
  diffOnly.push(diffGroup);
  bar.append(diffGroup);
  const kindLegend = el(
    "span",
    { class: "ls-legend" },
    ...KIND_LEGEND.map(([k, color]) => el("span", {}, swatch(color), k)),
  );
  const colorSel = sel(
    "c",
    [
      ["kind", "Kind colors"],
      ["module", "Module colors"],
    ],
    "Colors (C): by frame kind (native, kernel, JIT, interpreted, inlined, waiting) or by module",
  );
  const colorGroup = group(colorSel, kindLegend);
  plainOnly.push(colorGroup);
  bar.append(colorGroup);
  if (cfg.sampleTypes.length > 1 && cfg.valueSelect !== false) {
    const opts = cfg.sampleTypes.map((t, i): [string, string] => [String(i), `${t.type} (${t.unit})`]);
    bar.append(group(el("label", { text: "Value" }), sel("v", opts, "Which value is drawn (V)")));
  }
  if (cfg.hasThreads) bar.append(group(check("th", "Threads", "Thread name (comm) as the first level (H)")));
  if (cfg.hasIdle) bar.append(group(check("idle", "Hide idle", "Drop samples whose leaf frame is an idle function")));
  for (const c of cfg.extraControls ?? []) bar.append(group(c));
  const helpBtn = el("button", { text: "?", title: "Keyboard shortcuts (?)", style: "margin-left:auto" });
  helpBtn.addEventListener("click", () => help.toggle());
  bar.append(helpBtn);
  return { el: bar, tabs, searchInput, matchedEl, controls, diffOnly, plainOnly, kindLegend };
}
