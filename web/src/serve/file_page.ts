// File (FlameScope mode): a profile file's sub-second heat map; drag a range for its flame graph, Shift-drag a
// baseline for a diff: the heat map page itself, over the file the server reads.
import { el } from "../dom";
import type { Client } from "./client";
import { ProfileArea } from "./profile_area";
import { topBar } from "./ui";

export async function filePage(client: Client, app: HTMLElement, name: string): Promise<ProfileArea> {
  app.append(topBar(el("span", { text: "file" }), el("span", { class: "sv-mono", text: name })));
  const page = el("main", { class: "sv-page" });
  app.append(page);
  const card = el("section", { class: "sv-card" });
  page.append(card);
  const area = new ProfileArea(card, client, { maxHeight: () => Math.max(420, window.innerHeight - 80) });
  await area.load(
    "heatmap",
    `file=${encodeURIComponent(name)}`,
    [
      el("b", { text: name }),
      el("span", { class: "sv-note", text: "drag a range · Shift-drag a baseline · ? for keys" }),
    ],
    [
      el("a", {
        class: "sv-button sv-plain",
        href: client.url("profile", `file=${encodeURIComponent(name)}&format=pprof`),
        download: `${name.replace(/.*\//, "")}.pb.gz`,
        text: "Download pprof",
      }),
    ],
  );
  return area;
}
