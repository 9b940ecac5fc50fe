// The flame-graph panel's keyboard shortcuts (listed in help.ts). Keys typed into a text field are left alone.
import type { Help } from "./help";
import type { PanelConfig } from "./panel";

/** What the keys act on. */
export interface KeyTarget {
  readonly cfg: PanelConfig;
  readonly help: Help;
  readonly view: string;
  readonly isDiff: boolean;
  focusSearch(): void;
  zoomOut(): void;
  zoomTo(v: number): void;
  /** Pool index of the function under the mouse in the main graph, or -1. */
  hoveredFunction(): number;
}

function isTyping(target: HTMLElement | null): boolean {
  if (!target) return false;
  const field = target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA";
  return field && (target as HTMLInputElement).type !== "checkbox";
}

export function panelKey(p: KeyTarget, ev: KeyboardEvent): void {
  const cfg = p.cfg;
  const st = cfg.state;
  if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "f") {
    ev.preventDefault();
    p.focusSearch();
    return;
  }
  if (isTyping(ev.target as HTMLElement | null) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  if (ev.key === "Escape") {
    if (p.help.open) p.help.toggle(false);
    else if (st.get("s")) st.set({ s: null });
    else if (cfg.onKey) cfg.onKey(ev);
    return;
  }
  if (cfg.onKey && cfg.onKey(ev)) return;
  const cycle = (key: string, a: string, b: string) => st.set({ [key]: st.get(key) === a ? b : a });
  switch (ev.key) {
    case "?":
      p.help.toggle();
      break;
    case "/":
      ev.preventDefault();
      p.focusSearch();
      break;
    case "Backspace":
    case "u":
    case "U":
      p.zoomOut();
      break;
    case "0":
    case "Home":
      p.zoomTo(0);
      break;
    case "f":
    case "F":
      st.set({ view: "flame" });
      break;
    case "t":
    case "T":
      st.set({ view: "table" });
      break;
    case "s":
    case "S": {
      const fn = p.hoveredFunction();
      if (fn >= 0 && p.view !== "sandwich") st.set({ view: "sandwich", fn });
      else st.set({ view: "sandwich" });
      break;
    }
    case "e":
    case "E":
      if (p.isDiff) cycle("view", "vanished", "flame");
      break;
    case "n":
    case "N":
      if (p.isDiff) st.set({ norm: !st.bool("norm") });
      break;
    case "i":
    case "I":
      cycle("o", "icicle", "flame");
      break;
    case "o":
    case "O":
      cycle("order", "name", "weight");
      break;
    case "c":
    case "C":
      if (!p.isDiff) cycle("c", "module", "kind");
      break;
    case "h":
    case "H":
      if (cfg.hasThreads) st.set({ th: !st.bool("th") });
      break;
    case "v":
    case "V":
      if (cfg.sampleTypes.length > 1) st.set({ v: (st.num("v") + 1) % cfg.sampleTypes.length });
      break;
    default:
      return;
  }
  ev.preventDefault();
}
