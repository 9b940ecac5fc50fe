// Startup phase timings (ms from navigation start), exposed as window.lambdascope.timings for benchmarks.
export const timings: Record<string, number> = {};

export function mark(name: string): void {
  timings[name] = Math.round(performance.now() * 10) / 10;
}
