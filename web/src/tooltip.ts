// The hover box shared by every view; content is built from text nodes only.
import { clear, el } from "./dom";

export class Tooltip {
  readonly el: HTMLDivElement;
  constructor(parent: HTMLElement) {
    this.el = el("div", { class: "ls-tooltip", role: "tooltip" });
    parent.append(this.el);
  }
  show(clientX: number, clientY: number, content: Node): void {
    clear(this.el);
    this.el.append(content);
    this.el.style.display = "block";
    const r = this.el.getBoundingClientRect();
    const pad = 14;
    let x = clientX + pad,
      y = clientY + pad;
    if (x + r.width > window.innerWidth - 4) x = Math.max(4, clientX - r.width - pad);
    if (y + r.height > window.innerHeight - 4) y = Math.max(4, clientY - r.height - pad);
    this.el.style.left = `${x}px`;
    this.el.style.top = `${y}px`;
  }
  hide(): void {
    this.el.style.display = "none";
  }
}
