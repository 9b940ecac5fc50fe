// Invocation: one stored profile's labels and comments, its sub-second timeline (the heat map page over the
// invocation's own time: drag a range for its flame graph) and its flame graph.
import { el } from "../dom";
import type { Client, InvocationRow } from "./client";
import { ProfileArea } from "./profile_area";
import { ms, topBar, when } from "./ui";

const enc = encodeURIComponent;

/** Keys are <prefix>/<function>/<YYYY>/<MM>/<DD>/<HH>/<start>_<duration>_<phase>_<request>.pb.gz. */
function functionOf(key: string): string {
  const parts = key.split("/");
  return parts.length >= 6 ? parts[parts.length - 6] : "";
}

export async function invocationPage(
  client: Client,
  app: HTMLElement,
  key: string,
): Promise<{ area: ProfileArea; timelineError: string | null }> {
  const fn = functionOf(key);
  app.append(
    topBar(
      fn ? el("a", { href: `/f/${enc(fn)}`, text: `function ${fn}` }) : "",
      el("span", { class: "sv-mono", text: key.split("/").pop() ?? key }),
    ),
  );
  const page = el("main", { class: "sv-page" });
  app.append(page);
  const info = el("section", { class: "sv-card" }, el("h2", {}, "Invocation"));
  page.append(info);
  const dl = el("div", { class: "ls-meta", style: "padding:8px 12px;font-size:13px" });
  info.append(dl);
  const item = (k: string, v: string) => dl.append(el("span", {}, el("b", { text: `${k}: ` }), v));
  const listed = await client
    .json<{ invocations: InvocationRow[] }>("invocations", `key=${enc(key)}&labels=1`)
    .catch(() => ({ invocations: [] as InvocationRow[] }));
  const row = listed.invocations.find((r) => r.key === key);
  if (row) {
    item("start", when(row.start_ms));
    item("duration", ms(row.duration_ms));
    item("phase", row.phase);
    item("request id", row.request_id);
    for (const [k, v] of Object.entries(row.labels ?? {})) item(k.replace(/_/g, " "), String(v));
  }
  item("key", key);
  const comments = el("ul", { class: "sv-note", style: "margin:0;padding:0 12px 8px 28px" });
  info.append(comments);
  const card = el("section", { class: "sv-card" });
  page.append(card);
  const area = new ProfileArea(card, client, { maxHeight: () => Math.max(420, window.innerHeight - 80) });
  await area.load("heatmap", `key=${enc(key)}`, [
    el("b", { text: "Sub-second timeline" }),
    el("span", { class: "sv-note", text: "drag a range: its flame graph below · Shift-drag: a baseline for a diff" }),
  ]);
  const timelineError = area.payload ? null : area.lastError;
  if (!area.payload) {
    // No timeline (the profile has no per-sample times, or the server could not give them): the flame graph.
    const why = timelineError ?? "";
    await area.load("flamegraph", `key=${enc(key)}`, [
      el("b", { text: "Flame graph" }),
      el("span", { class: "sv-note", text: `no sub-second timeline: ${why}` }),
    ]);
  }
  for (const c of area.payload?.profiles[0]?.meta.comments ?? []) comments.append(el("li", { text: c }));
  const dl2 = el("a", {
    class: "sv-button sv-plain",
    href: client.url("profile", `key=${enc(key)}&format=pprof`),
    download: key.split("/").pop() ?? "profile.pb.gz",
    text: "Download pprof",
  });
  info.querySelector("h2")!.append(dl2);
  return { area, timelineError };
}
