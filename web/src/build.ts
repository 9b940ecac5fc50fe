// Call trees for the pages: one sample set, two ranges of one profile, or two profiles (a shared name pool).
import type { Entries } from "./aggregate";
import type { Model } from "./model";
import { type CallTree, TreeBuilder } from "./tree";

export function singleTree(m: Model, e: Entries): CallTree {
  const b = new TreeBuilder(m.strings, [m], false, !m.namesUnique, Math.min(m.nStacks + 64, 1 << 22));
  b.add({ model: m, nameMap: null, src: 0 }, e, 0);
  return b.finish();
}

/** Differential of two sample sets of one profile: NEW in slot 0 (widths), BASE in slot 1. */
export function rangeDiffTree(m: Model, base: Entries, neu: Entries): CallTree {
  const b = new TreeBuilder(m.strings, [m], true, !m.namesUnique, Math.min(m.nStacks + 64, 1 << 22));
  b.add({ model: m, nameMap: null, src: 0 }, neu, 0);
  b.add({ model: m, nameMap: null, src: 0 }, base, 1);
  return b.finish();
}

/** The name pool of two profiles: NEW's strings, then BASE's strings that NEW lacks. */
export function sharedPool(neu: Model, base: Model): { pool: string[]; baseMap: Int32Array } {
  const pool = neu.strings.slice();
  const index = new Map<string, number>();
  for (let i = pool.length - 1; i >= 0; i--) index.set(pool[i], i);
  const baseMap = new Int32Array(base.strings.length);
  for (let i = 0; i < base.strings.length; i++) {
    const s = base.strings[i];
    let id = index.get(s);
    if (id === undefined) {
      id = pool.length;
      pool.push(s);
      index.set(s, id);
    }
    baseMap[i] = id;
  }
  return { pool, baseMap };
}

export function twoProfileDiffTree(
  neu: Model,
  eNew: Entries,
  base: Model,
  eBase: Entries,
  shared: { pool: string[]; baseMap: Int32Array },
): CallTree {
  const b = new TreeBuilder(shared.pool, [neu, base], true, true, Math.min(neu.nStacks + base.nStacks + 64, 1 << 22));
  b.add({ model: neu, nameMap: null, src: 0 }, eNew, 0);
  b.add({ model: base, nameMap: shared.baseMap, src: 1 }, eBase, 1);
  return b.finish();
}
