// Numbers for people: values with their units, percentages, durations, exact seconds for CLI commands.
import type { SampleType } from "./payload";

const nf = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

export function formatNumber(v: number): string {
  return nf.format(v);
}

export function formatDurationNs(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 3600e9) {
    const t = Math.round(a / 1e9);
    const h = Math.floor(t / 3600),
      m = Math.floor((t % 3600) / 60),
      s = t % 60;
    return `${ns < 0 ? "-" : ""}${h} h ${m} min ${s} s`;
  }
  if (a >= 60e9) return `${(ns / 60e9).toFixed(1)} min`;
  if (a >= 1e9) return `${+(ns / 1e9).toFixed(3)} s`;
  if (a >= 1e6) return `${+(ns / 1e6).toFixed(2)} ms`;
  if (a >= 1e3) return `${+(ns / 1e3).toFixed(2)} µs`;
  return `${+ns.toFixed(0)} ns`;
}

function formatBytes(b: number): string {
  const a = Math.abs(b);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0,
    v = a;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${b < 0 ? "-" : ""}${i === 0 ? v : +v.toFixed(2)} ${units[i]}`;
}

/** A value of a sample type with its unit, e.g. "1,234 samples", "12.5 ms", "3.2 MiB". */
export function formatValue(v: number, t: SampleType | undefined): string {
  const unit = t?.unit ?? "count";
  switch (unit) {
    case "count":
    case "":
      return `${formatNumber(v)} ${t?.type && t.type !== "samples" ? t.type : Math.abs(v) === 1 ? "sample" : "samples"}`;
    case "nanoseconds":
      return formatDurationNs(v);
    case "microseconds":
      return formatDurationNs(v * 1e3);
    case "milliseconds":
      return formatDurationNs(v * 1e6);
    case "seconds":
      return formatDurationNs(v * 1e9);
    case "bytes":
      return formatBytes(v);
    default:
      return `${formatNumber(v)} ${unit}`;
  }
}

export function formatPercent(part: number, whole: number): string {
  if (!(whole !== 0)) return "–";
  const p = (100 * part) / whole;
  const a = Math.abs(p);
  return `${a >= 10 ? p.toFixed(1) : a >= 0.01 || a === 0 ? p.toFixed(2) : p.toExponential(1)}%`;
}

/** Exact decimal seconds of an integer number of nanoseconds ("2.02", "7", "0.000000001"). */
export function nsToSeconds(ns: number): string {
  const neg = ns < 0;
  const a = Math.abs(Math.round(ns));
  const whole = Math.floor(a / 1e9);
  const frac = a - whole * 1e9;
  let s = String(whole);
  if (frac > 0) s += "." + String(frac).padStart(9, "0").replace(/0+$/, "");
  return (neg ? "-" : "") + s;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return "'" + s.replace(/'/g, "'\\''") + "'";
}
