// One profile of the payload in typed arrays: frames, the stack trie and the sample columns. Built once per page;
// every view (flame graph, table, heat map, diff) reads from it.
import type { Meta, ProfileJson, SampleType } from "./payload";

export const KIND_NAMES = ["native", "kernel", "jit", "interpreted", "inlined", "waiting"] as const;
export const WAITING_KIND = 5;
/** Synthetic leaf frames of wall profiles: "[waiting: I/O]", "[waiting: lock]", "[waiting: sleep]". */
const WAITING_NAME = /^\[waiting: [^\]]*\]$/;

function i32(a: number[] | null | undefined): Int32Array | null {
  return a == null ? null : Int32Array.from(a);
}

export class Model {
  readonly meta: Meta;
  readonly strings: string[];
  readonly sampleTypes: SampleType[];
  // Frames.
  readonly frameName: Int32Array;
  readonly frameModule: Int32Array;
  readonly frameFile: Int32Array;
  readonly frameLine: Float64Array;
  readonly frameKind: Uint8Array;
  // Stack trie; node 0 is the empty stack, parents come before children.
  readonly nStacks: number;
  readonly stackParent: Int32Array;
  readonly stackFrame: Int32Array;
  readonly stackName: Int32Array; // string id of the node's frame name; -1 for node 0
  readonly idleStack: Uint8Array; // 1 if the stack's leaf is an idle function
  readonly hasIdle: boolean;
  /** True when no two frames share a name: the trie is then already the name-merged call tree. */
  readonly namesUnique: boolean;
  // Samples.
  readonly nSamples: number;
  readonly sampleStack: Int32Array;
  readonly values: Float64Array[];
  /** Nanoseconds from time_base_ns (integers held in doubles), or null when the payload has no times. */
  readonly time: Float64Array | null;
  readonly pid: Int32Array | null;
  readonly tid: Int32Array | null;
  readonly cpu: Int32Array | null;
  readonly thread: Int32Array | null;
  /** The thread column exists and names at least one sample's thread. */
  readonly hasThreads: boolean;

  constructor(p: ProfileJson) {
    this.meta = p.meta;
    this.strings = p.strings.length > 0 ? p.strings : [""];
    this.sampleTypes = p.meta.sample_types;
    const nStr = this.strings.length;
    const f = p.frames;
    this.frameName = Int32Array.from(f.name);
    this.frameModule = Int32Array.from(f.module);
    this.frameFile = Int32Array.from(f.file);
    this.frameLine = Float64Array.from(f.line);
    this.frameKind = Uint8Array.from(f.kind);
    const nFrames = this.frameName.length;
    for (let i = 0; i < nFrames; i++) {
      const a = this.frameName[i],
        b = this.frameModule[i],
        c = this.frameFile[i];
      if (a < 0 || a >= nStr || b < 0 || b >= nStr || c < 0 || c >= nStr)
        throw new Error(`frame ${i} refers to a string that does not exist`);
      if (this.frameKind[i] > WAITING_KIND) this.frameKind[i] = 0;
      // A waiting frame is one by its name too, whatever kind its writer gave it.
      if (WAITING_NAME.test(this.strings[a])) this.frameKind[i] = WAITING_KIND;
    }
    // Does any name belong to two frames?
    const seen = new Uint8Array(nStr);
    let unique = true;
    for (let i = 0; i < nFrames; i++) {
      const a = this.frameName[i];
      if (seen[a]) {
        unique = false;
        break;
      }
      seen[a] = 1;
    }
    this.namesUnique = unique;

    this.stackParent = Int32Array.from(p.stacks.parent);
    this.stackFrame = Int32Array.from(p.stacks.frame);
    const ns = (this.nStacks = this.stackParent.length);
    this.stackName = new Int32Array(ns);
    this.stackName[0] = -1;
    for (let i = 1; i < ns; i++) {
      const par = this.stackParent[i],
        fr = this.stackFrame[i];
      if (par < 0 || par >= i) throw new Error(`stack node ${i} has parent ${par}; parents must come before children`);
      if (fr < 0 || fr >= nFrames) throw new Error(`stack node ${i} refers to frame ${fr}, which does not exist`);
      this.stackName[i] = this.frameName[fr];
    }
    this.idleStack = new Uint8Array(ns);
    let anyIdle = false;
    for (const s of p.idle_stacks ?? []) {
      if (s > 0 && s < ns) {
        this.idleStack[s] = 1;
        anyIdle = true;
      }
    }
    this.hasIdle = anyIdle;

    const smp = p.samples;
    this.sampleStack = Int32Array.from(smp.stack);
    const n = (this.nSamples = this.sampleStack.length);
    for (let i = 0; i < n; i++) {
      const s = this.sampleStack[i];
      if (s < 0 || s >= ns) throw new Error(`sample ${i} refers to stack ${s}, which does not exist`);
    }
    this.values = smp.values.map((v) => Float64Array.from(v));
    if (smp.time_delta_ns) {
      const t = new Float64Array(n);
      let acc = 0;
      const d = smp.time_delta_ns;
      for (let i = 0; i < n; i++) {
        acc += d[i];
        t[i] = acc;
      }
      this.time = t;
    } else {
      this.time = null;
    }
    this.pid = i32(smp.pid);
    this.tid = i32(smp.tid);
    this.cpu = i32(smp.cpu);
    this.thread = i32(smp.thread);
    let threads = false;
    if (this.thread) {
      for (let i = 0; i < n; i++) {
        const t = this.thread[i];
        if (t < 0 || t >= nStr) this.thread[i] = 0;
        else if (t !== 0) threads = true;
      }
    }
    this.hasThreads = threads;
  }

  /** Index of the sample type that counts samples, or -1. */
  countValueIndex(): number {
    return this.sampleTypes.findIndex((t) => t.type === "samples" || t.unit === "count");
  }

  /** Number of samples: the sum of the count sample type when there is one (aggregated payloads), else rows. */
  sampleTotal(): number {
    const ci = this.countValueIndex();
    if (ci < 0) return this.nSamples;
    let s = 0;
    const v = this.values[ci];
    for (let i = 0; i < v.length; i++) s += v[i];
    return s;
  }

  /** Frames of a trie node, outermost caller first. */
  framesRootFirst(stack: number): number[] {
    const out: number[] = [];
    for (let s = stack; s > 0; s = this.stackParent[s]) out.push(this.stackFrame[s]);
    return out.reverse();
  }

  attr(key: string): string | undefined {
    return this.meta.attributes?.[key];
  }
}
