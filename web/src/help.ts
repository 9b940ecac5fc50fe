// The keyboard help overlay ("?").
import { el } from "./dom";

export const FLAME_KEYS: [string, string][] = [
  ["?", "Show or hide this help"],
  ["/ or Ctrl+F", "Search (regular expression); matches turn magenta"],
  ["Esc", "Clear the search, close this help, or (heat map) clear the selection"],
  ["Click a frame", "Zoom to it; click a frame below it to zoom out"],
  ["Backspace or U", "Zoom out one level"],
  ["0 or Home", "Reset the zoom"],
  ["F", "Flame graph view"],
  ["T", "Top functions table"],
  ["S", "Sandwich (callers and callees) of the frame under the mouse"],
  ["I", "Flip orientation: flame (root at the bottom) or icicle (root at the top)"],
  ["O", "Order children by weight (left-heavy) or by name"],
  ["C", "Color by frame kind or by module"],
  ["H", "Thread name as the first level, on or off"],
  ["V", "Next value type (samples, CPU time, ...)"],
];

export class Help {
  readonly el: HTMLDivElement;
  constructor(parent: HTMLElement, keys: [string, string][], notes: string[]) {
    const rows = keys.map(([k, d]) =>
      el(
        "tr",
        {},
        el("td", {}, ...k.split(" or ").flatMap((part, i) => [i ? " or " : "", el("kbd", { text: part })])),
        el("td", { text: d }),
      ),
    );
    const box = el(
      "div",
      { class: "ls-help-box", role: "dialog", "aria-label": "Keyboard shortcuts" },
      el("h2", { text: "Keyboard and mouse" }),
      el("table", {}, el("tbody", {}, ...rows)),
      ...notes.map((n) => el("p", { text: n })),
      el("p", {
        text: "The view (zoom, search, options, selection) is kept in the page address: copy it to share this exact view.",
      }),
    );
    this.el = el("div", { class: "ls-help" }, box);
    this.el.addEventListener("click", (ev) => {
      if (ev.target === this.el) this.toggle(false);
    });
    parent.append(this.el);
  }
  get open(): boolean {
    return this.el.classList.contains("ls-open");
  }
  toggle(on?: boolean): void {
    this.el.classList.toggle("ls-open", on ?? !this.open);
  }
}
