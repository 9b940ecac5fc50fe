// Which samples a view shows (time range, pid/tid/comm/cpu, idle), and their weights summed per stack (and per
// thread when the thread is the first level of the graph).
import type { Model } from "./model";

export interface SampleQuery {
  value: number; // index into the sample types
  hideIdle: boolean;
  from?: number | null; // ns offset from time_base_ns, inclusive
  to?: number | null; // ns offset, exclusive
  pid?: number | null;
  tid?: number | null;
  comm?: number | null; // string id of the thread name
  cpu?: number | null;
}

/** Weights per (thread, stack); thread is null when the graph is not split by thread. */
export interface Entries {
  n: number;
  thread: Int32Array | null;
  stack: Int32Array;
  weight: Float64Array;
  total: number;
  /** Without threads: the weight of every stack id (zeros included), for the linear tree build. */
  dense?: Float64Array;
}

/** Calls fn(i) for every sample the query keeps, in input order. */
export function forEachSample(m: Model, q: SampleQuery, fn: (i: number) => void): void {
  const n = m.nSamples;
  const time = m.time;
  const timed = q.from != null || q.to != null;
  if (timed && !time) return; // a time range keeps nothing from samples without times, as the CLI does
  const from = q.from ?? -Infinity,
    to = q.to ?? Infinity;
  const idle = q.hideIdle && m.hasIdle ? m.idleStack : null;
  const st = m.sampleStack;
  const pid = q.pid != null ? m.pid : null,
    tid = q.tid != null ? m.tid : null;
  const comm = q.comm != null ? m.thread : null,
    cpu = q.cpu != null ? m.cpu : null;
  for (let i = 0; i < n; i++) {
    if (timed) {
      const t = time![i];
      if (t < from || t >= to) continue;
    }
    if (idle && idle[st[i]]) continue;
    if (pid && pid[i] !== q.pid) continue;
    if (tid && tid[i] !== q.tid) continue;
    if (comm && comm[i] !== q.comm) continue;
    if (cpu && cpu[i] !== q.cpu) continue;
    fn(i);
  }
}

export function selectEntries(m: Model, q: SampleQuery, byThread: boolean): Entries {
  const vals = m.values[q.value] ?? m.values[0] ?? new Float64Array(m.nSamples).fill(1);
  const st = m.sampleStack;
  if (!byThread || !m.thread) {
    const w = new Float64Array(m.nStacks);
    let total = 0;
    forEachSample(m, q, (i) => {
      w[st[i]] += vals[i];
    });
    let n = 0;
    for (let s = 0; s < w.length; s++) if (w[s] !== 0) n++;
    const stack = new Int32Array(n),
      weight = new Float64Array(n);
    let k = 0;
    for (let s = 0; s < w.length; s++) {
      if (w[s] !== 0) {
        stack[k] = s;
        weight[k] = w[s];
        total += w[s];
        k++;
      }
    }
    return { n, thread: null, stack, weight, total, dense: w };
  }
  const th = m.thread;
  const ns = m.nStacks;
  const map = new Map<number, number>();
  forEachSample(m, q, (i) => {
    const key = th[i] * ns + st[i];
    map.set(key, (map.get(key) ?? 0) + vals[i]);
  });
  // Sorted by stack id so parents are met before children when the tree is built.
  const keys = Array.from(map.keys()).filter((k) => map.get(k) !== 0);
  keys.sort((a, b) => (a % ns) - (b % ns) || a - b);
  const n = keys.length;
  const thread = new Int32Array(n),
    stack = new Int32Array(n),
    weight = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    const key = keys[k];
    thread[k] = Math.floor(key / ns);
    stack[k] = key % ns;
    weight[k] = map.get(key)!;
    total += weight[k];
  }
  return { n, thread, stack, weight, total };
}
