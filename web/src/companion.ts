// Wall and CPU in one profile (sample types `wall` and `cpu`, nanoseconds): the graph draws one of them, the
// tooltip shows both, and their difference, a frame's waiting time. The other value's tree is built beside the
// drawn one and its nodes are found by their path of names (the two trees need not number nodes alike).
import { type SampleQuery, selectEntries } from "./aggregate";
import { singleTree } from "./build";
import type { Model } from "./model";
import type { SampleType } from "./payload";
import type { CallTree } from "./tree";

export class Companion {
  private readonly index = new Map<string, number>();
  constructor(
    readonly tree: CallTree,
    readonly type: SampleType,
  ) {
    for (let v = 1; v < tree.n; v++) this.index.set(`${tree.parent[v]}:${tree.name[v]}`, v);
  }

  /** The node of this tree at the path of `main`'s node v, or -1. */
  find(main: CallTree, v: number): number {
    const path: number[] = [];
    for (let u = v; u > 0; u = main.parent[u]) path.push(main.name[u]);
    let w = 0;
    for (let i = path.length - 1; i >= 0 && w >= 0; i--) w = this.index.get(`${w}:${path[i]}`) ?? -1;
    return w;
  }
}

/** The other of wall/cpu when the profile has both and the graph shows one of them. */
export function companionFor(m: Model, q: SampleQuery, byThread: boolean): Companion | undefined {
  const types = m.sampleTypes;
  const wall = types.findIndex((t) => t.type === "wall"),
    cpu = types.findIndex((t) => t.type === "cpu");
  if (wall < 0 || cpu < 0 || (q.value !== wall && q.value !== cpu)) return undefined;
  const other = q.value === wall ? cpu : wall;
  return new Companion(singleTree(m, selectEntries(m, { ...q, value: other }, byThread)), types[other]);
}
