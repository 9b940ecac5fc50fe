// The serve pages' side of the JSON API (docs/serve.md): typed rows, JSON requests, and merged profiles read
// with progress (application/x-ndjson) and cancelled through an AbortSignal when the selection changes.
import { type Payload, checkPayload } from "../payload";

export interface FunctionRow {
  name: string;
  invocations: number;
  inits: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  first_ms: number;
  last_ms: number;
}

export interface FileRow {
  name: string;
  format: string;
  bytes: number;
  samples?: number;
  span_ms?: number;
}

export interface InvocationRow {
  key: string;
  start_ms: number;
  duration_ms: number;
  phase: string;
  request_id: string;
  labels?: Record<string, string | number | boolean>;
}

export interface WhySlowGroup {
  invocations: number;
  p50_ms: number;
  min_ms?: number;
  max_ms?: number;
  selection: string;
}

export interface WhySlowRow {
  name: string;
  slow_ms_per_invocation: number;
  fast_ms_per_invocation: number;
  extra_ms_per_invocation: number;
  self_extra_ms_per_invocation?: number;
  total_extra_ms_per_invocation?: number;
  slow_samples?: number;
  fast_samples?: number;
  slow_total_samples?: number;
  fast_total_samples?: number;
  p_value?: number;
  noise: boolean;
}

export interface WhySlow {
  slow: WhySlowGroup;
  fast: WhySlowGroup;
  functions: WhySlowRow[];
  noise_alpha?: number;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export class Client {
  constructor(readonly base: string) {}

  url(endpoint: string, query = ""): string {
    return `${this.base}/${endpoint}${query ? `?${query}` : ""}`;
  }

  async json<T>(endpoint: string, query = "", signal?: AbortSignal): Promise<T> {
    const r = await fetch(this.url(endpoint, query), { signal, headers: { Accept: "application/json" } });
    const text = await r.text();
    if (!r.ok) throw new ApiError(errorText(text, r.status), r.status);
    return JSON.parse(text) as T;
  }

  /** A page payload from /api/profile or /api/diff; progress lines are passed to onProgress as they arrive. */
  async payload(
    endpoint: "profile" | "diff",
    query: string,
    onProgress: (done: number, total: number) => void,
    signal: AbortSignal,
  ): Promise<Payload> {
    const r = await fetch(this.url(endpoint, `${query}&format=page&progress=1`), { signal });
    if (!r.ok) throw new ApiError(errorText(await r.text(), r.status), r.status);
    if (!(r.headers.get("content-type") ?? "").includes("ndjson")) return checkPayload(await r.json());
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buf += value;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0 || (done && buf.trim())) {
        const line = nl >= 0 ? buf.slice(0, nl) : buf;
        buf = nl >= 0 ? buf.slice(nl + 1) : "";
        if (!line.trim()) continue;
        const msg = JSON.parse(line) as {
          progress?: { done: number; total: number };
          payload?: Payload;
          error?: string;
        };
        if (msg.progress) onProgress(msg.progress.done, msg.progress.total);
        else if (msg.payload) return checkPayload(msg.payload);
        else if (msg.error) throw new ApiError(msg.error, 500);
      }
      if (done) throw new ApiError("the server ended the answer without a profile", 502);
    }
  }
}

function errorText(body: string, status: number): string {
  try {
    const j = JSON.parse(body) as { error?: string; parameter?: string };
    if (j.error) return j.parameter ? `${j.error} (parameter ${j.parameter})` : j.error;
  } catch {
    // not JSON: fall through
  }
  return `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ""}`;
}
