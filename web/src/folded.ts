// Folded text of what a view shows, the way `lambdascope collapse` prints it (thread name as the root frame
// when the sample has one, ';' in names written as ':', lines sorted, identical stacks summed), so tests and
// people can compare a page's range with the CLI's.
import { type SampleQuery, forEachSample } from "./aggregate";
import type { Model } from "./model";

function frameText(s: string): string {
  return s.replace(/;/g, ":").replace(/[\r\n]/g, " ");
}

function formatWeight(v: number): string {
  return Number.isInteger(v) ? v.toFixed(0) : String(v);
}

/** Per-line weights: line text (without weight) → weights per query. */
function foldLines(m: Model, queries: SampleQuery[], acc: Map<string, number[]>, slot: number, slots: number): void {
  const q = queries[0];
  const vals = m.values[q.value] ?? new Float64Array(m.nSamples).fill(1);
  const byKey = new Map<number, number>();
  const ns = m.nStacks;
  const th = m.thread;
  forEachSample(m, q, (i) => {
    const key = (th ? th[i] : 0) * ns + m.sampleStack[i];
    byKey.set(key, (byKey.get(key) ?? 0) + vals[i]);
  });
  for (const [key, w] of byKey) {
    const thread = Math.floor(key / ns),
      stack = key % ns;
    const parts: string[] = [];
    if (thread !== 0) parts.push(frameText(m.strings[thread]).replace(/ /g, "_"));
    for (const f of m.framesRootFirst(stack)) parts.push(frameText(m.strings[m.frameName[f]]));
    if (parts.length === 0) continue;
    const line = parts.join(";");
    let a = acc.get(line);
    if (!a) acc.set(line, (a = new Array<number>(slots).fill(0)));
    a[slot] += w;
  }
}

export function foldedText(m: Model, q: SampleQuery): string {
  const acc = new Map<string, number[]>();
  foldLines(m, [q], acc, 0, 1);
  const lines = [...acc.entries()].filter(([, w]) => w[0] !== 0).map(([l, w]) => `${l} ${formatWeight(w[0])}`);
  lines.sort();
  return lines.length ? lines.join("\n") + "\n" : "";
}

/** Two-count lines "stack base new" (difffolded.pl's format). */
export function foldedDiffText(base: Model, qBase: SampleQuery, neu: Model, qNew: SampleQuery): string {
  const acc = new Map<string, number[]>();
  foldLines(base, [qBase], acc, 0, 2);
  foldLines(neu, [qNew], acc, 1, 2);
  const lines = [...acc.entries()]
    .filter(([, w]) => w[0] !== 0 || w[1] !== 0)
    .map(([l, w]) => `${l} ${formatWeight(w[0])} ${formatWeight(w[1])}`);
  lines.sort();
  return lines.length ? lines.join("\n") + "\n" : "";
}
