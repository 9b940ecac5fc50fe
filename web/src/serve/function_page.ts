// Function: the latency heat map of its invocations over their table; brushing the map or picking rows selects
// invocations (A; Shift for the baseline B) and their merged flame graph (A alone) or differential (B → A)
// appears below. The selections and the table's order live in the query string, the graph's view in the hash.
import { el } from "../dom";
import { formatNumber } from "../format";
import type { Client, InvocationRow } from "./client";
import { LatencyHeatmap } from "./latency_heatmap";
import { ProfileArea } from "./profile_area";
import { type Selection, parseSelection, selectionQuery, selects } from "./selection";
import { type Column, SortTable, ms, topBar, when } from "./ui";

const enc = encodeURIComponent;

function label(r: InvocationRow, k: string): string {
  const v = r.labels?.[k];
  return v == null ? "" : String(v);
}

function setQuery(patch: Record<string, string | null>): void {
  const p = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(patch)) {
    if (v == null || v === "") p.delete(k);
    else p.set(k, v);
  }
  const q = p.toString();
  history.replaceState(null, "", `${location.pathname}${q ? `?${q}` : ""}${location.hash}`);
}

export interface FunctionPageApi {
  rows: () => InvocationRow[];
  selected: () => { a: string[]; b: string[] };
  heatPoint: (t: number, d: number) => { x: number; y: number };
  area: ProfileArea;
}

export async function functionPage(client: Client, app: HTMLElement, fn: string): Promise<FunctionPageApi> {
  app.append(
    topBar(
      el("span", { text: `function ${fn}` }),
      el("a", {
        href: `/why-slow/${enc(fn)}`,
        class: "sv-button",
        text: "Why slow?",
        title: "Compare the slowest invocations with typical ones (W)",
      }),
    ),
  );
  const page = el("main", { class: "sv-page" });
  app.append(page);
  const fnQuery = `function=${enc(fn)}`;
  const listed = await client.json<{ total: number; invocations: InvocationRow[] }>(
    "invocations",
    `${fnQuery}&order=start&limit=100000`,
  );
  let rows = listed.invocations;
  const params = new URLSearchParams(location.search);
  let selA = parseSelection(params.get("a"));
  let selB = parseSelection(params.get("b"));

  // Heat map card.
  const heatCard = el("section", { class: "sv-card" });
  const counts = el("span", { class: "sv-sub" });
  heatCard.append(
    el(
      "h2",
      {},
      "Invocations",
      counts,
      el("span", { class: "sv-sub", text: "drag: select A · Shift-drag: baseline B · teal frame: init profiles" }),
    ),
  );
  page.append(heatCard);
  const heat = new LatencyHeatmap(heatCard, (box, baseline) => {
    if (baseline) selB = { box };
    else selA = { box };
    changed();
  });

  // Table card.
  const tableCard = el("section", { class: "sv-card" });
  const selInfo = el("div", { class: "sv-status" });
  const cols: Column<InvocationRow>[] = [
    { key: "start", label: "start (UTC)", value: (r) => r.start_ms, cell: (r) => when(r.start_ms) },
    { key: "duration", label: "duration", num: true, value: (r) => r.duration_ms, cell: (r) => ms(r.duration_ms) },
    {
      key: "phase",
      label: "phase",
      value: (r) => r.phase,
      cell: (r) => (r.phase === "init" ? el("span", { class: "sv-pill sv-init", text: "init" }) : r.phase),
    },
    {
      key: "request",
      label: "request id",
      value: (r) => r.request_id,
      cell: (r) => el("a", { href: `/i/${enc(r.key)}`, text: r.request_id || "(none)", title: "Open this invocation" }),
      mono: true,
    },
    { key: "cold", label: "cold start", value: (r) => label(r, "cold_start"), hidden: () => !hasLabel("cold_start") },
    { key: "status", label: "status", value: (r) => label(r, "status"), hidden: () => !hasLabel("status") },
    {
      key: "memory",
      label: "memory MB",
      num: true,
      value: (r) => Number(label(r, "memory_mb")) || 0,
      cell: (r) => label(r, "memory_mb"),
      hidden: () => !hasLabel("memory_mb"),
    },
  ];
  // Label columns show once the server has given labels (labels=1 reads the profiles).
  const hasLabel = (k: string) => rows.some((r) => r.labels?.[k] != null);
  let lastClicked: InvocationRow | null = null;
  const table: SortTable<InvocationRow> = new SortTable(cols, params.get("sort") ?? "-duration", {
    label: "Invocations",
    limit: 500,
    rowClass: (r) => `${selA && selects(selA, r) ? "sv-a" : ""} ${selB && selects(selB, r) ? "sv-b" : ""}`,
    onSort: (s) => setQuery({ sort: s }),
    onRow: (r, ev) => {
      const baseline = ev.altKey;
      const cur = baseline ? selB : selA;
      let keys: string[];
      if ((ev.ctrlKey || ev.metaKey) && cur?.keys) {
        keys = cur.keys.includes(r.key) ? cur.keys.filter((k) => k !== r.key) : [...cur.keys, r.key];
      } else if (ev.shiftKey && lastClicked) {
        const shown = table.shownRows();
        const i = shown.indexOf(lastClicked),
          j = shown.indexOf(r);
        keys = shown.slice(Math.min(i, j), Math.max(i, j) + 1).map((x) => x.key);
      } else {
        keys = [r.key];
      }
      lastClicked = r;
      const sel: Selection | null = keys.length ? { keys } : null;
      if (baseline) selB = sel;
      else selA = sel;
      changed();
    },
  });
  tableCard.append(
    el(
      "h2",
      {},
      "Table",
      el("span", {
        class: "sv-sub",
        text: "click: select A · Ctrl-click: add · Shift-click: range · Alt-click: baseline B · Enter on a focused row",
      }),
    ),
    selInfo,
    table.el,
  );
  page.append(tableCard);

  // Flame graph card.
  const flameCard = el("section", { class: "sv-card" });
  page.append(flameCard);
  const area = new ProfileArea(flameCard, client, { maxHeight: () => Math.max(420, window.innerHeight - 80) });

  const count = (s: Selection | null) => (s ? rows.filter((r) => selects(s, r)).length : rows.length);
  const describe = (s: Selection | null) => {
    if (!s) return "all invocations";
    if (s.keys) return s.keys.length === 1 ? "1 invocation (row)" : `${s.keys.length} invocations (rows)`;
    const b = s.box;
    return `started ${when(b.t0)} – ${when(b.t1)}, ${ms(b.d0)} – ${ms(b.d1)}`;
  };
  const clearBtn = (which: "a" | "b") => {
    const b = el("button", { text: "Clear", title: which === "a" ? "Esc" : "Esc after A" });
    b.addEventListener("click", () => {
      if (which === "a") selA = null;
      else selB = null;
      changed();
    });
    return b;
  };

  function changed(): void {
    setQuery({ a: selA ? selectionQuery(selA) : null, b: selB ? selectionQuery(selB) : null });
    heat.boxA = selA?.box ?? null;
    heat.boxB = selB?.box ?? null;
    heat.draw();
    table.refreshClasses();
    const nA = count(selA),
      nB = count(selB);
    selInfo.replaceChildren(
      el("span", { class: "sv-pill sv-a", text: "A" }),
      `${formatNumber(nA)} · ${describe(selA)}`,
      selA ? clearBtn("a") : "",
      el("span", { class: "sv-pill sv-b", text: "B" }),
      selB
        ? `${formatNumber(nB)} · ${describe(selB)}`
        : el("span", { class: "sv-note", text: "none (Shift-drag or Alt-click to set a baseline)" }),
      selB ? clearBtn("b") : "",
    );
    const aQ = `${fnQuery}${selA ? `&${selectionQuery(selA)}` : ""}`;
    if (selA && nA === 0) return area.message("A selects no invocation: drag over coloured cells.");
    if (selB && nB === 0) return area.message("B selects no invocation: Shift-drag over coloured cells.");
    if (selB) {
      const bQ = `${fnQuery}&${selectionQuery(selB)}`;
      void area.load("diff", `base=${enc(bQ)}&new=${enc(aQ)}&normalize=invocations`, [
        el("b", { text: "Differential B → A" }),
        el("span", {
          class: "sv-note",
          text: `per invocation: ${nB} in B, ${nA} in A · red: more time per invocation in A, blue: less`,
        }),
      ]);
    } else {
      void area.load(
        "flamegraph",
        aQ,
        [el("b", { text: `Merged flame graph of ${formatNumber(nA)} invocation${nA === 1 ? "" : "s"}` })],
        [
          el("a", {
            class: "sv-button",
            href: client.url("profile", `${aQ}&format=pprof`),
            download: `${fn}.pb.gz`,
            text: "Download pprof",
            title: "The merged profile, for go tool pprof",
          }),
        ],
      );
    }
  }

  document.addEventListener("keydown", (ev) => {
    const t = ev.target as HTMLElement;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (
      ev.key === "Escape" &&
      !new URLSearchParams(location.hash.slice(1)).get("s") &&
      !document.querySelector(".ls-help.ls-open")
    ) {
      if (area.busy) area.cancel();
      else if (selA) selA = null;
      else if (selB) selB = null;
      else return;
      changed();
    } else if (ev.key === "w" || ev.key === "W") {
      location.href = `/why-slow/${enc(fn)}`;
    }
  });

  counts.textContent = `${formatNumber(listed.total)} profiled${listed.total > rows.length ? ` (${rows.length} shown)` : ""}`;
  heat.setRows(rows);
  table.setRows(rows);
  changed();
  // Labels need the profiles read: ask for them after the page is up.
  void client
    .json<{ invocations: InvocationRow[] }>("invocations", `${fnQuery}&order=start&limit=100000&labels=1`)
    .then((r) => {
      rows = r.invocations;
      heat.setRows(rows);
      table.setRows(rows);
    })
    .catch(() => {
      /* the table keeps its rows without labels */
    });
  return {
    rows: () => rows,
    selected: () => ({
      a: selA ? rows.filter((r) => selects(selA!, r)).map((r) => r.key) : [],
      b: selB ? rows.filter((r) => selects(selB!, r)).map((r) => r.key) : [],
    }),
    heatPoint: (t, d) => heat.clientPoint(t, d),
    area,
  };
}
