// The page payload (docs/page-data.md): its types, and reading it from the page's data element.
// gzip+base64 is decoded with DecompressionStream, which needs no network and works from file://.
import { mark } from "./timing";

export interface SampleType {
  type: string;
  unit: string;
}

export interface Meta {
  sample_types: SampleType[];
  default_value?: number;
  period_type?: SampleType | null;
  period?: number;
  time_base_ns?: string | null;
  start_ns?: string | null;
  end_ns?: string | null;
  duration_ns?: number;
  attributes?: Record<string, string>;
  comments?: string[];
}

export interface ProfileJson {
  meta: Meta;
  strings: string[];
  frames: { name: number[]; module: number[]; file: number[]; line: number[]; kind: number[] };
  stacks: { parent: number[]; frame: number[] };
  idle_stacks?: number[] | null;
  samples: {
    count: number;
    stack: number[];
    values: number[][];
    time_delta_ns?: number[] | null;
    pid?: number[] | null;
    tid?: number[] | null;
    cpu?: number[] | null;
    thread?: number[] | null;
  };
}

export type PageKind = "flamegraph" | "heatmap" | "diff" | "serve";

export interface PageOptions {
  orientation: "flame" | "icicle";
  order: "weight" | "name";
  color: "kind" | "module";
  value: number;
  search: string;
  rows: number;
  hide_idle: boolean;
  diff_normalize: boolean;
}

export interface Payload {
  format: string;
  version: number;
  page: PageKind;
  title: string;
  options: PageOptions;
  profiles: ProfileJson[];
  api?: string; // serve: where the JSON API is (docs/serve.md)
}

export const DEFAULT_OPTIONS: PageOptions = {
  orientation: "flame",
  order: "weight",
  color: "kind",
  value: 0,
  search: "",
  rows: 50,
  hide_idle: true,
  diff_normalize: true,
};

function base64ToBytes(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (native) return native(clean);
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function gunzipToText(bytes: Uint8Array): Promise<string> {
  if (typeof DecompressionStream === "undefined") {
    throw new Error("this browser has no DecompressionStream; open the page in a current Chrome, Firefox or Safari");
  }
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}

/** Reads, decodes and checks the payload of the page's `#lambdascope-data` element. */
export async function readPayload(doc: Document): Promise<Payload> {
  const el = doc.getElementById("lambdascope-data");
  if (!el) throw new Error("the page has no #lambdascope-data element");
  const encoding = el.getAttribute("data-encoding") ?? "gzip+base64";
  const raw = el.textContent ?? "";
  let json: string;
  mark("start");
  if (encoding === "json") json = raw;
  else if (encoding === "gzip+base64") json = await gunzipToText(base64ToBytes(raw));
  else throw new Error(`unknown data-encoding "${encoding}"`);
  mark("decoded");
  const p = JSON.parse(json) as Payload;
  mark("parsed");
  return checkPayload(p);
}

function fail(what: string): never {
  throw new Error(`the page data is not valid: ${what}`);
}

export function checkPayload(p: Payload): Payload {
  if (!p || typeof p !== "object") fail("not an object");
  if (p.format !== "lambdascope-page") fail(`format is "${String(p.format)}", expected "lambdascope-page"`);
  if (p.version !== 1) fail(`version ${String(p.version)} is not supported (this page reads version 1)`);
  if (p.page !== "flamegraph" && p.page !== "heatmap" && p.page !== "diff" && p.page !== "serve")
    fail(`unknown page "${String(p.page)}"`);
  if (p.page === "serve") {
    // The serve shell: no profile; the pages fetch theirs from the API.
    if (typeof p.api !== "string" || !p.api.startsWith("/")) fail('the serve page needs "api", a path such as "/api"');
    p.options = { ...DEFAULT_OPTIONS, ...(p.options ?? {}) };
    p.profiles = [];
    return p;
  }
  if (!Array.isArray(p.profiles) || p.profiles.length === 0) fail("no profiles");
  if (p.page === "diff" && p.profiles.length < 2) fail("the diff page needs two profiles (base, new)");
  p.options = { ...DEFAULT_OPTIONS, ...(p.options ?? {}) };
  if (typeof p.title !== "string") p.title = "lambdascope";
  p.profiles.forEach((prof, i) => checkProfile(prof, i));
  return p;
}

function checkProfile(p: ProfileJson, index: number): void {
  const where = `profiles[${index}]`;
  if (!p.meta || !Array.isArray(p.meta.sample_types)) fail(`${where}.meta.sample_types is missing`);
  if (!Array.isArray(p.strings)) fail(`${where}.strings is missing`);
  const f = p.frames;
  if (!f || !Array.isArray(f.name)) fail(`${where}.frames.name is missing`);
  const nf = f.name.length;
  for (const k of ["module", "file", "line", "kind"] as const) {
    if (!Array.isArray(f[k]) || f[k].length !== nf) fail(`${where}.frames.${k} must have ${nf} entries`);
  }
  const s = p.stacks;
  if (
    !s ||
    !Array.isArray(s.parent) ||
    !Array.isArray(s.frame) ||
    s.parent.length !== s.frame.length ||
    s.parent.length === 0
  ) {
    fail(`${where}.stacks must have parent and frame arrays of equal, non-zero length`);
  }
  const smp = p.samples;
  if (!smp || !Array.isArray(smp.stack) || !Array.isArray(smp.values)) fail(`${where}.samples is missing`);
  const n = smp.stack.length;
  if (smp.values.length !== p.meta.sample_types.length) {
    fail(`${where}.samples.values has ${smp.values.length} arrays for ${p.meta.sample_types.length} sample types`);
  }
  for (const v of smp.values)
    if (!Array.isArray(v) || v.length !== n) fail(`${where}.samples.values arrays must have ${n} entries`);
  for (const k of ["time_delta_ns", "pid", "tid", "cpu", "thread"] as const) {
    const col = smp[k];
    if (col != null && (!Array.isArray(col) || col.length !== n))
      fail(`${where}.samples.${k} must be null or have ${n} entries`);
  }
}
