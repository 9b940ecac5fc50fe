// Why slow: the slowest invocations (top decile, at least 3) against the middle band (p40 to p60). The answer
// first, in words; then the functions ranked by the extra milliseconds each costs per slow invocation (self and
// total, with the sample counts behind them and a mark where the gap is within sampling noise); then the
// differential flame graph normalised per invocation (typical → slow). Clicking a row finds it in the graph.
import { el } from "../dom";
import { formatNumber } from "../format";
import type { Client, WhySlow, WhySlowRow } from "./client";
import { ProfileArea } from "./profile_area";
import { SortTable, card, ms, signedMs, topBar } from "./ui";

const enc = encodeURIComponent;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export async function whySlowPage(
  client: Client,
  app: HTMLElement,
  fn: string,
): Promise<{ area: ProfileArea; data: WhySlow }> {
  app.append(topBar(el("a", { href: `/f/${enc(fn)}`, text: `function ${fn}` }), el("span", { text: "why slow" })));
  const page = el("main", { class: "sv-page" });
  app.append(page);
  const data = await client.json<WhySlow>("why-slow", `function=${enc(fn)}`);
  const { slow, fast } = data;
  const gap = slow.p50_ms - fast.p50_ms;
  const real = data.functions.filter((f) => !f.noise && f.extra_ms_per_invocation > 0);
  const top = real[0];
  const answer = el("div", { class: "sv-answer" });
  answer.append(
    "The ",
    el("b", { text: `${formatNumber(slow.invocations)} slowest invocations` }),
    ` (top 10% by duration, median ${ms(slow.p50_ms)}) take `,
    el("b", { text: `${signedMs(gap)} longer` }),
    " than the ",
    el("b", { text: `${formatNumber(fast.invocations)} typical ones` }),
    ` (p40–p60, median ${ms(fast.p50_ms)}).`,
  );
  if (top) {
    answer.append(
      el("br"),
      "Most of the difference: ",
      el("b", { class: "sv-mono", text: top.name }),
      ` costs ${signedMs(top.extra_ms_per_invocation)} more per slow invocation in its own code (${ms(top.slow_ms_per_invocation)} against ${ms(top.fast_ms_per_invocation)}).`,
    );
  } else {
    answer.append(
      el("br"),
      "No function differs by more than sampling noise: the slow invocations may be waiting outside the profiled process.",
    );
  }
  const range = (g: typeof slow) => (g.min_ms != null ? `, ${ms(g.min_ms)} – ${ms(g.max_ms ?? g.min_ms)}` : "");
  const alpha = data.noise_alpha != null ? ` (p ≥ ${data.noise_alpha})` : "";
  const defs = el(
    "div",
    { class: "sv-note", style: "padding:0 12px 10px" },
    `Slow: the ${slow.invocations} longest invocations${range(slow)} (top 10% by duration, at least 3). Typical: ${fast.invocations} from p40 to p60${range(fast)}. ` +
      `Every number below is milliseconds per invocation, slow minus typical; “≈ noise” marks differences that sampling alone could explain${alpha}.`,
  );
  page.append(card(`Why are the slow invocations of ${fn} slow?`, "", answer, defs));

  const selfExtra = (r: WhySlowRow) => r.self_extra_ms_per_invocation ?? r.extra_ms_per_invocation;
  const totalExtra = (r: WhySlowRow) => r.total_extra_ms_per_invocation ?? r.extra_ms_per_invocation;
  const counts = (a?: number, b?: number) => (a == null ? "–" : `${formatNumber(a)} / ${formatNumber(b ?? 0)}`);
  const table = new SortTable<WhySlowRow>(
    [
      { key: "rank", label: "#", num: true, value: (r) => data.functions.indexOf(r) + 1 },
      { key: "name", label: "function", value: (r) => r.name, mono: true },
      {
        key: "self",
        label: "extra ms per slow invocation, self",
        num: true,
        title: "Slow minus typical, per invocation, in the function's own code (not its callees): the ranking",
        value: selfExtra,
        cell: (r) =>
          el("b", {
            class: selfExtra(r) > 0 ? "ls-grew" : selfExtra(r) < 0 ? "ls-shrank" : "",
            text: signedMs(selfExtra(r)),
          }),
      },
      {
        key: "total",
        label: "… total (with callees)",
        num: true,
        title: "Slow minus typical, per invocation, in the function and everything it calls",
        value: totalExtra,
        cell: (r) => signedMs(totalExtra(r)),
      },
      {
        key: "slow",
        label: "slow, self ms/inv",
        num: true,
        value: (r) => r.slow_ms_per_invocation,
        cell: (r) => ms(r.slow_ms_per_invocation),
      },
      {
        key: "fast",
        label: "typical, self ms/inv",
        num: true,
        value: (r) => r.fast_ms_per_invocation,
        cell: (r) => ms(r.fast_ms_per_invocation),
      },
      {
        key: "samples",
        label: "self samples slow / typical",
        num: true,
        title: "The sample counts behind the numbers (with callees in the tooltip of the total column)",
        value: (r) => r.slow_samples ?? 0,
        cell: (r) => counts(r.slow_samples, r.fast_samples),
      },
      {
        key: "noise",
        label: "",
        value: (r) => (r.noise ? 1 : 0),
        cell: (r) =>
          r.noise
            ? el("span", {
                class: "sv-pill sv-noise",
                text: "≈ noise",
                title: `Sampling alone could explain this difference${r.p_value != null ? ` (p = ${r.p_value.toPrecision(2)})` : ""}: do not read it as a cause`,
              })
            : "",
      },
    ],
    "rank",
    {
      label: "Functions by extra time per slow invocation",
      limit: 200,
      rowClass: (r) => (r.noise ? "sv-noise" : ""),
      onRow: (r) => {
        location.hash = new URLSearchParams({ s: `^${escapeRegex(r.name)}$` }).toString();
        area.el.scrollIntoView({ behavior: "smooth", block: "start" });
      },
    },
  );
  table.setRows(data.functions);
  page.append(
    card(
      "Where the extra time goes",
      "per invocation, slow minus typical; grey rows are within sampling noise · click a row to find it in the graph",
      table.el,
    ),
  );
  const flameCard = el("section", { class: "sv-card" });
  page.append(flameCard);
  const area = new ProfileArea(flameCard, client, { maxHeight: () => Math.max(420, window.innerHeight - 80) });
  await area.load("diff", `base=${enc(fast.selection)}&new=${enc(slow.selection)}&normalize=invocations`, [
    el("b", { text: "Differential flame graph, per invocation: typical → slow" }),
    el("span", {
      class: "sv-note",
      text: "widths: time per slow invocation · red: more time per invocation in the slow group, blue: less",
    }),
  ]);
  return { area, data };
}
