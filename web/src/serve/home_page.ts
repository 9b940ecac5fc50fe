// Home: the functions in the store (from the keys alone) and the profile files of the served folders.
import { el } from "../dom";
import { formatNumber } from "../format";
import type { Client, FileRow, FunctionRow } from "./client";
import { SortTable, bytes, card, linkColumn, ms, topBar, when } from "./ui";

const enc = encodeURIComponent;

export async function homePage(client: Client, app: HTMLElement): Promise<void> {
  app.append(topBar("home"));
  const page = el("main", { class: "sv-page" });
  app.append(page);
  const [fns, files] = await Promise.all([
    client.json<{ functions: FunctionRow[] }>("functions"),
    client.json<{ files: FileRow[] }>("files"),
  ]);
  const fnTable = new SortTable<FunctionRow>(
    [
      linkColumn(
        "name",
        "function",
        (r) => r.name,
        (r) => `/f/${enc(r.name)}`,
      ),
      {
        key: "invocations",
        label: "invocations",
        num: true,
        value: (r) => r.invocations,
        cell: (r) => formatNumber(r.invocations),
      },
      { key: "inits", label: "inits", num: true, value: (r) => r.inits, cell: (r) => formatNumber(r.inits) },
      { key: "p50", label: "p50", num: true, value: (r) => r.p50_ms, cell: (r) => ms(r.p50_ms) },
      { key: "p90", label: "p90", num: true, value: (r) => r.p90_ms, cell: (r) => ms(r.p90_ms) },
      { key: "p99", label: "p99", num: true, value: (r) => r.p99_ms, cell: (r) => ms(r.p99_ms) },
      { key: "first", label: "first seen", value: (r) => r.first_ms, cell: (r) => when(r.first_ms) },
      { key: "last", label: "last seen", value: (r) => r.last_ms, cell: (r) => when(r.last_ms) },
      {
        key: "why",
        label: "",
        value: () => "",
        cell: (r) => el("a", { href: `/why-slow/${enc(r.name)}`, text: "why slow?" }),
      },
    ],
    "-invocations",
    { label: "Functions", onRow: (r) => (location.href = `/f/${enc(r.name)}`) },
  );
  fnTable.setRows(fns.functions);
  page.append(
    card(
      "Functions",
      `${fns.functions.length} in the store · durations from the profiles' keys`,
      fns.functions.length
        ? fnTable.el
        : el("div", { class: "ls-empty", text: "No function profiles in the served store." }),
    ),
  );
  const fileTable = new SortTable<FileRow>(
    [
      linkColumn(
        "name",
        "file",
        (r) => r.name,
        (r) => `/file/${enc(r.name)}`,
      ),
      { key: "format", label: "format", value: (r) => r.format },
      { key: "bytes", label: "size", num: true, value: (r) => r.bytes, cell: (r) => bytes(r.bytes) },
      {
        key: "samples",
        label: "samples",
        num: true,
        value: (r) => r.samples ?? -1,
        cell: (r) => (r.samples == null ? "–" : formatNumber(r.samples)),
      },
      {
        key: "span",
        label: "time span",
        num: true,
        value: (r) => r.span_ms ?? -1,
        cell: (r) => (r.span_ms == null ? "–" : ms(r.span_ms)),
      },
    ],
    "name",
    { label: "Profile files", onRow: (r) => (location.href = `/file/${enc(r.name)}`) },
  );
  fileTable.setRows(files.files);
  if (files.files.length)
    page.append(card("Profile files", "open one for its sub-second heat map (FlameScope mode)", fileTable.el));
}
