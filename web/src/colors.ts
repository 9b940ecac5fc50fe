// Frame colors: by frame kind (flamegraph.pl's palettes: kernel orange, JIT green, inlined aqua, native warm,
// interpreted blue) or by module, varied by a hash of the name so they are stable across renders and pages.

export function hashString(s: string): number {
  // FNV-1a, 32 bits.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A number in [0, 1) from a name, weighted toward the start of the name as flamegraph.pl's namehash. */
export function nameHash(s: string): number {
  return (hashString(s) % 10007) / 10007;
}

function rgb(r: number, g: number, b: number): string {
  return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
}

/** kind: 0 native, 1 kernel, 2 jit, 3 interpreted, 4 inlined, 5 waiting; v in [0, 1). */
export function kindColor(kind: number, v: number): string {
  switch (kind) {
    case 1: // kernel: amber
      return rgb(215 + 35 * v, 165 + 50 * v, 40 + 50 * v);
    case 2: // JIT: green
      return rgb(60 + 70 * v, 190 + 50 * v, 60 + 70 * v);
    case 3: // interpreted: blue
      return rgb(95 + 60 * v, 140 + 60 * v, 225 + 25 * v);
    case 4: // inlined: aqua
      return rgb(60 + 60 * v, 190 + 55 * v, 190 + 55 * v);
    case 5: // waiting (wall profiles: the thread did not run): lilac, unlike any running kind
      return rgb(190 + 20 * v, 170 + 20 * v, 230 + 15 * v);
    default: // native: red to orange ("hot")
      return rgb(220 + 35 * v, 75 + 95 * v, 45 + 35 * v);
  }
}

export const KIND_LEGEND: [string, string][] = ["native", "kernel", "jit", "interpreted", "inlined", "waiting"].map(
  (k, i) => [k, kindColor(i, 0.5)],
);

export function moduleColor(module: string, v: number): string {
  if (!module) return rgb(190 + 20 * v, 190 + 20 * v, 185 + 20 * v);
  const h = hashString(module) % 360;
  return `hsl(${h},${55 + 10 * v}%,${62 + 10 * v}%)`;
}

export const THREAD_COLOR = "rgb(178,190,212)";
export const ROOT_COLOR = "rgb(200,200,205)";
export const MATCH_COLOR = "rgb(230,0,230)";

/** Differential: red where it grew, blue where it shrank; r in [-1, 1]. */
export function diffColor(r: number): string {
  const a = Math.min(1, Math.abs(r));
  if (a < 1e-9) return "rgb(236,236,236)";
  const k = 0.15 + 0.85 * a; // even a tiny change is visibly tinted
  if (r > 0) return rgb(255, 236 - 196 * k, 236 - 196 * k);
  return rgb(236 - 196 * k, 236 - 146 * k, 255);
}

/** Heat map ramps, FlameScope's: [0, max/2, max] white, #FF5032, #E50914; enhanced adds 1 → #6AAAFF and 3 → #FAA0B5. */
export function heatColor(v: number, max: number, enhanced: boolean): [number, number, number] {
  if (v <= 0 || max <= 0) return [255, 255, 255];
  const stops: [number, [number, number, number]][] = enhanced
    ? [
        [0, [255, 255, 255]],
        [1, [0x6a, 0xaa, 0xff]],
        [3, [0xfa, 0xa0, 0xb5]],
        [max / 2, [0xff, 0x50, 0x32]],
        [max, [0xe5, 0x09, 0x14]],
      ]
    : [
        [0, [255, 255, 255]],
        [max / 2, [0xff, 0x50, 0x32]],
        [max, [0xe5, 0x09, 0x14]],
      ];
  // Keep the stops increasing (enhanced with a small max).
  const s: typeof stops = [];
  for (const st of stops) if (s.length === 0 || st[0] > s[s.length - 1][0]) s.push(st);
  for (let i = 1; i < s.length; i++) {
    if (v <= s[i][0]) {
      const [a, ca] = s[i - 1],
        [b, cb] = s[i];
      const f = (v - a) / (b - a);
      return [ca[0] + (cb[0] - ca[0]) * f, ca[1] + (cb[1] - ca[1]) * f, ca[2] + (cb[2] - ca[2]) * f];
    }
  }
  return s[s.length - 1][1];
}
