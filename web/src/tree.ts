// Call trees merged by frame name (the flame graph's nodes), their layout in typed arrays, search, per-function
// totals and the sandwich (callers/callees) trees. Node ids are created parents first, so a reverse loop over
// ids visits children before parents.
import type { Entries } from "./aggregate";
import type { Model } from "./model";

const HAS_BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/; // no /g: test() must not keep lastIndex
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
export function displayName(s: string): string {
  return HAS_BIDI.test(s) ? s.replace(BIDI, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`) : s;
}

export const ROOT_FRAME = -1; // node 0, "all" (or the sandwich's function)
export const THREAD_FRAME = -2; // a thread-name node at depth 1

export class CallTree {
  n = 0;
  parent: Int32Array;
  name: Int32Array; // id in `pool`; -1 for the root "all"
  frame: Int32Array; // frame id in models[src]; ROOT_FRAME or THREAD_FRAME
  src: Uint8Array; // which model the frame id belongs to
  self: Float64Array;
  total: Float64Array;
  baseSelf: Float64Array | null;
  baseTotal: Float64Array | null;

  constructor(
    readonly pool: string[],
    readonly models: Model[],
    cap: number,
    diff: boolean,
  ) {
    this.parent = new Int32Array(cap);
    this.name = new Int32Array(cap);
    this.frame = new Int32Array(cap);
    this.src = new Uint8Array(cap);
    this.self = new Float64Array(cap);
    this.total = new Float64Array(cap);
    this.baseSelf = diff ? new Float64Array(cap) : null;
    this.baseTotal = diff ? new Float64Array(cap) : null;
  }

  /** The node's name for display: bidi controls shown as escapes so a name cannot reorder what is drawn. */
  label(v: number): string {
    const id = this.name[v];
    return id < 0 ? "all" : displayName(this.pool[id]);
  }
}

function grow<T extends Int32Array | Float64Array | Uint8Array>(a: T, cap: number): T {
  const b = new (a.constructor as { new (n: number): T })(cap);
  b.set(a);
  return b;
}

export interface TreeSource {
  model: Model;
  nameMap: Int32Array | null; // model string id -> pool id; null when the pool is the model's strings
  src: number;
}

/** Builds a CallTree from per-stack weights of one or two sample sets (slot 0: new/only, slot 1: base). */
export class TreeBuilder {
  readonly t: CallTree;
  private cap: number;
  private readonly childMap: Map<number, number> | null;
  private readonly threadNodes = new Map<number, number>();
  private readonly memos = new Map<Model, Int32Array>();
  private readonly threadMemos = new Map<Model, Map<number, number>>();
  private readonly P: number;

  /** merge: children must be looked up by name (two models, or names shared by several frames). */
  constructor(pool: string[], models: Model[], diff: boolean, merge: boolean, capHint = 1024) {
    this.cap = Math.max(16, capHint);
    this.t = new CallTree(pool, models, this.cap, diff);
    this.childMap = merge ? new Map() : null;
    this.P = pool.length + 1;
    this.t.n = 1;
    this.t.parent[0] = -1;
    this.t.name[0] = -1;
    this.t.frame[0] = ROOT_FRAME;
  }

  private ensure(): void {
    if (this.t.n < this.cap) return;
    const c = (this.cap *= 2);
    const t = this.t;
    t.parent = grow(t.parent, c);
    t.name = grow(t.name, c);
    t.frame = grow(t.frame, c);
    t.src = grow(t.src, c);
    t.self = grow(t.self, c);
    t.total = grow(t.total, c);
    if (t.baseSelf) t.baseSelf = grow(t.baseSelf, c);
    if (t.baseTotal) t.baseTotal = grow(t.baseTotal, c);
  }

  child(parent: number, name: number, frame: number, src: number): number {
    const key = parent * this.P + name + 1;
    if (this.childMap) {
      const got = this.childMap.get(key);
      if (got !== undefined) return got;
    }
    this.ensure();
    const t = this.t;
    const v = t.n++;
    t.parent[v] = parent;
    t.name[v] = name;
    t.frame[v] = frame;
    t.src[v] = src;
    if (this.childMap) this.childMap.set(key, v);
    return v;
  }

  private threadNode(poolId: number): number {
    let v = this.threadNodes.get(poolId);
    if (v === undefined) {
      this.ensure();
      const t = this.t;
      v = t.n++;
      t.parent[v] = 0;
      t.name[v] = poolId;
      t.frame[v] = THREAD_FRAME;
      t.src[v] = 0;
      this.threadNodes.set(poolId, v);
    }
    return v;
  }

  /**
   * The common case, one profile whose frame names are unique and no thread level: the call tree is the
   * trie without its zero-weight subtrees, built in one forward pass (parents come before children).
   */
  private addTrie(m: Model, dense: Float64Array): void {
    const ns = m.nStacks;
    const sub = dense.slice(0, ns);
    const par = m.stackParent;
    for (let s = ns - 1; s > 0; s--) if (sub[s] !== 0) sub[par[s]] += sub[s];
    const memo = new Int32Array(ns).fill(-1);
    memo[0] = 0;
    const t = this.t;
    const sname = m.stackName,
      sframe = m.stackFrame;
    for (let s = 1; s < ns; s++) {
      if (sub[s] === 0) continue;
      this.ensure();
      const v = t.n++;
      t.parent[v] = memo[par[s]];
      t.name[v] = sname[s];
      t.frame[v] = sframe[s];
      memo[s] = v;
      t.self[v] = dense[s];
    }
    t.self[0] += dense[0];
    this.memos.set(m, memo);
  }

  add(source: TreeSource, e: Entries, slot: 0 | 1): void {
    const { model: m, nameMap, src } = source;
    if (
      slot === 0 &&
      !e.thread &&
      e.dense &&
      !nameMap &&
      src === 0 &&
      !this.childMap &&
      this.t.n === 1 &&
      !this.memos.has(m)
    ) {
      this.addTrie(m, e.dense);
      return;
    }
    const sname = m.stackName,
      sparent = m.stackParent,
      sframe = m.stackFrame;
    const pid = (s: number) => (nameMap ? nameMap[sname[s]] : sname[s]);
    const selfArr = slot === 0 ? this.t.self : null;
    const chain: number[] = [];
    if (!e.thread) {
      let memo = this.memos.get(m);
      if (!memo) {
        memo = new Int32Array(m.nStacks).fill(-1);
        memo[0] = 0;
        this.memos.set(m, memo);
      }
      for (let k = 0; k < e.n; k++) {
        const s = e.stack[k];
        let node = memo[s];
        if (node < 0) {
          let u = s;
          chain.length = 0;
          while (memo[u] < 0) {
            chain.push(u);
            u = sparent[u];
          }
          node = memo[u];
          for (let c = chain.length - 1; c >= 0; c--) {
            const x = chain[c];
            node = this.child(node, pid(x), sframe[x], src);
            memo[x] = node;
          }
        }
        if (selfArr) this.t.self[node] += e.weight[k];
        else this.t.baseSelf![node] += e.weight[k];
      }
      return;
    }
    let memo = this.threadMemos.get(m);
    if (!memo) this.threadMemos.set(m, (memo = new Map()));
    const ns = m.nStacks;
    for (let k = 0; k < e.n; k++) {
      const th = e.thread[k],
        s = e.stack[k];
      const base = th * ns;
      let node = memo.get(base + s);
      if (node === undefined) {
        let u = s;
        chain.length = 0;
        let found: number | undefined;
        while (u > 0 && (found = memo.get(base + u)) === undefined) {
          chain.push(u);
          u = sparent[u];
        }
        if (u === 0) {
          const tname = nameMap ? nameMap[th] : th;
          found = th === 0 ? 0 : this.threadNode(tname);
          memo.set(base, found);
        }
        node = found!;
        for (let c = chain.length - 1; c >= 0; c--) {
          const x = chain[c];
          node = this.child(node, pid(x), sframe[x], src);
          memo.set(base + x, node);
        }
      }
      if (selfArr) this.t.self[node] += e.weight[k];
      else this.t.baseSelf![node] += e.weight[k];
    }
  }

  finish(): CallTree {
    const t = this.t;
    const n = t.n;
    t.total.set(t.self.subarray(0, n));
    for (let i = n - 1; i > 0; i--) t.total[t.parent[i]] += t.total[i];
    if (t.baseSelf && t.baseTotal) {
      t.baseTotal.set(t.baseSelf.subarray(0, n));
      for (let i = n - 1; i > 0; i--) t.baseTotal[t.parent[i]] += t.baseTotal[i];
    }
    return t;
  }
}

export type Order = "weight" | "name";

export interface Layout {
  tree: CallTree;
  width: Float64Array; // the value drawn as width
  x: Float64Array; // left edge, same units as width
  depth: Int32Array; // -1 for nodes not drawn (width 0)
  pre: Int32Array; // drawn nodes in pre-order
  preIndex: Int32Array;
  subEnd: Int32Array; // pre-order index one past the node's subtree
  count: number;
  rowStart: Int32Array; // per depth, index into rowNodes; rowNodes of a depth are sorted by x
  rowNodes: Int32Array;
  maxDepth: number;
  childStart: Int32Array;
  childList: Int32Array;
}

export function layoutTree(tree: CallTree, width: Float64Array, order: Order): Layout {
  const n = tree.n;
  const parent = tree.parent,
    pool = tree.pool,
    name = tree.name;
  const incl = (v: number) => width[v] > 0;
  // Children, in CSR form.
  const childCount = new Int32Array(n + 1);
  for (let v = 1; v < n; v++) if (incl(v)) childCount[parent[v]]++;
  const childStart = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) childStart[v + 1] = childStart[v] + childCount[v];
  const fill = childStart.slice(0, n);
  const childList = new Int32Array(childStart[n]);
  for (let v = 1; v < n; v++) if (incl(v)) childList[fill[parent[v]]++] = v;
  const byName = (a: number, b: number) => {
    const sa = name[a] < 0 ? "" : pool[name[a]],
      sb = name[b] < 0 ? "" : pool[name[b]];
    return sa < sb ? -1 : sa > sb ? 1 : a - b;
  };
  const cmp = order === "name" ? byName : (a: number, b: number) => width[b] - width[a] || byName(a, b);
  for (let v = 0; v < n; v++) {
    const s = childStart[v],
      e = childStart[v + 1];
    if (e - s <= 1) continue;
    if (e - s > 24) {
      childList.subarray(s, e).sort(cmp);
      continue;
    }
    // Small groups (nearly all of them): insertion sort, without the typed-array sort's call overhead.
    for (let i = s + 1; i < e; i++) {
      const c = childList[i];
      let j = i - 1;
      while (j >= s && cmp(childList[j], c) > 0) {
        childList[j + 1] = childList[j];
        j--;
      }
      childList[j + 1] = c;
    }
  }
  // Pre-order walk: x, depth, order.
  const x = new Float64Array(n),
    depth = new Int32Array(n).fill(-1);
  const pre = new Int32Array(n),
    preIndex = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n + 1);
  let sp = 0,
    count = 0,
    maxDepth = 0;
  stack[sp++] = 0;
  depth[0] = 0;
  while (sp > 0) {
    const v = stack[--sp];
    preIndex[v] = count;
    pre[count++] = v;
    const d = depth[v] + 1;
    let cx = x[v];
    const s = childStart[v],
      e = childStart[v + 1];
    for (let k = s; k < e; k++) {
      const c = childList[k];
      x[c] = cx;
      cx += width[c];
      depth[c] = d;
    }
    if (e > s && d > maxDepth) maxDepth = d;
    for (let k = e - 1; k >= s; k--) stack[sp++] = childList[k];
  }
  const size = new Int32Array(n);
  for (let v = n - 1; v >= 0; v--) {
    if (depth[v] < 0) continue;
    size[v] += 1;
    if (v > 0) size[parent[v]] += size[v];
  }
  const subEnd = new Int32Array(n);
  for (let v = 0; v < n; v++) if (depth[v] >= 0) subEnd[v] = preIndex[v] + size[v];
  const rowStart = new Int32Array(maxDepth + 2);
  for (let k = 0; k < count; k++) rowStart[depth[pre[k]] + 1]++;
  for (let d = 0; d <= maxDepth; d++) rowStart[d + 1] += rowStart[d];
  const rowFill = rowStart.slice(0, maxDepth + 1);
  const rowNodes = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const v = pre[k];
    rowNodes[rowFill[depth[v]]++] = v;
  }
  return {
    tree,
    width,
    x,
    depth,
    pre: pre.subarray(0, count),
    preIndex,
    subEnd,
    count,
    rowStart,
    rowNodes,
    maxDepth,
    childStart,
    childList,
  };
}

/** Ancestors of v from the root's child down to v (root excluded). */
export function pathTo(tree: CallTree, v: number): number[] {
  const out: number[] = [];
  for (let u = v; u > 0; u = tree.parent[u]) out.push(u);
  return out.reverse();
}

/** Finds the drawn child of v named `nameId`, or -1. */
export function childByName(l: Layout, v: number, nameId: number): number {
  for (let k = l.childStart[v]; k < l.childStart[v + 1]; k++)
    if (l.tree.name[l.childList[k]] === nameId) return l.childList[k];
  return -1;
}

export interface SearchResult {
  match: Uint8Array; // per node
  frames: number; // drawn nodes that match
  matchedTotal: number; // width of matches, not counting a match inside another match
}

export function searchTree(l: Layout, re: RegExp): SearchResult {
  const t = l.tree;
  const cache = new Int8Array(t.pool.length).fill(-1);
  const match = new Uint8Array(t.n);
  const covered = new Uint8Array(t.n);
  let frames = 0,
    matchedTotal = 0;
  for (let k = 1; k < l.count; k++) {
    const v = l.pre[k];
    const id = t.name[v];
    let m = 0;
    if (id >= 0) {
      if (cache[id] < 0) {
        re.lastIndex = 0;
        cache[id] = re.test(t.pool[id]) ? 1 : 0;
      }
      m = cache[id];
    }
    const p = t.parent[v];
    covered[v] = covered[p] | match[p];
    if (m) {
      match[v] = 1;
      frames++;
      if (!covered[v]) matchedTotal += l.width[v];
    }
  }
  return { match, frames, matchedTotal };
}

export interface FunctionStats {
  n: number;
  name: Int32Array; // pool id
  node: Int32Array; // a node with that name (for details)
  self: Float64Array;
  total: Float64Array; // each stack counted once even when the function recurses
  baseSelf: Float64Array | null;
  baseTotal: Float64Array | null;
}

/** Self and total per function name, over the drawn nodes (thread nodes excluded). */
export function functionStats(l: Layout): FunctionStats {
  const t = l.tree;
  const P = t.pool.length;
  const slot = new Int32Array(P).fill(-1);
  const onPath = new Int32Array(P);
  const names: number[] = [],
    nodes: number[] = [];
  const self: number[] = [],
    total: number[] = [];
  const bself: number[] = [],
    btotal: number[] = [];
  const diff = !!t.baseSelf;
  const open: number[] = [];
  for (let k = 1; k < l.count; k++) {
    const v = l.pre[k];
    while (open.length > 0 && l.subEnd[open[open.length - 1]] <= k) {
      const u = open.pop()!;
      onPath[t.name[u]]--;
    }
    if (t.frame[v] < 0) continue;
    const id = t.name[v];
    let s = slot[id];
    if (s < 0) {
      s = slot[id] = names.length;
      names.push(id);
      nodes.push(v);
      self.push(0);
      total.push(0);
      bself.push(0);
      btotal.push(0);
    }
    self[s] += t.self[v];
    if (diff) bself[s] += t.baseSelf![v];
    if (onPath[id] === 0) {
      total[s] += t.total[v];
      if (diff) btotal[s] += t.baseTotal![v];
    }
    onPath[id]++;
    open.push(v);
  }
  return {
    n: names.length,
    name: Int32Array.from(names),
    node: Int32Array.from(nodes),
    self: Float64Array.from(self),
    total: Float64Array.from(total),
    baseSelf: diff ? Float64Array.from(bself) : null,
    baseTotal: diff ? Float64Array.from(btotal) : null,
  };
}

/**
 * The sandwich of function `fn` (pool id): callers (root = fn, children = its callers, up to the thread or
 * the top) built from the innermost call of fn in each stack, and callees (root = fn) from the outermost call,
 * so every sample counts once in each.
 */
export function sandwichTrees(t: CallTree, fn: number): { callers: CallTree; callees: CallTree } {
  const n = t.n;
  const diff = !!t.baseSelf;
  let repr = -1;
  for (let v = 1; v < n; v++)
    if (t.name[v] === fn && t.frame[v] >= 0) {
      repr = v;
      break;
    }
  const mk = () => {
    const b = new TreeBuilder(t.pool, t.models, diff, true, 256);
    b.t.name[0] = fn;
    if (repr >= 0) {
      b.t.frame[0] = t.frame[repr];
      b.t.src[0] = t.src[repr];
    }
    return b;
  };
  const callees = mk(),
    callers = mk();
  const outer = new Int32Array(n).fill(-1),
    inner = new Int32Array(n).fill(-1);
  const calleeNode = new Int32Array(n).fill(-1);
  const callerMemo = new Map<number, number>();
  const isFn = (v: number) => t.name[v] === fn && t.frame[v] >= 0;
  for (let v = 1; v < n; v++) {
    const p = t.parent[v];
    const o = outer[p] >= 0 ? outer[p] : isFn(v) ? v : -1;
    outer[v] = o;
    inner[v] = isFn(v) ? v : inner[p];
    if (o >= 0) calleeNode[v] = v === o ? 0 : callees.child(calleeNode[p], t.name[v], t.frame[v], t.src[v]);
  }
  for (let v = 1; v < n; v++) {
    const s = t.self[v],
      bs = diff ? t.baseSelf![v] : 0;
    if (s === 0 && bs === 0) continue;
    if (outer[v] >= 0) {
      const c = calleeNode[v];
      callees.t.self[c] += s;
      if (diff) callees.t.baseSelf![c] += bs;
    }
    const i = inner[v];
    if (i >= 0) {
      let c = callerMemo.get(i);
      if (c === undefined) {
        c = 0;
        for (let u = t.parent[i]; u > 0; u = t.parent[u]) c = callers.child(c, t.name[u], t.frame[u], t.src[u]);
        callerMemo.set(i, c);
      }
      callers.t.self[c] += s;
      if (diff) callers.t.baseSelf![c] += bs;
    }
  }
  return { callers: callers.finish(), callees: callees.finish() };
}
