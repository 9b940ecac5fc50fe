// View state shared by a page's parts and mirrored in the URL hash (#key=value&...), so a link reopens the
// same view. Starting values come from the payload's options; the hash overrides them.

export type Listener = (changed: Set<string>) => void;

export class AppState {
  private values = new Map<string, string>();
  private readonly defaults = new Map<string, string>();
  private listeners: Listener[] = [];
  private readonly onHashChange: () => void;

  constructor(defaults: Record<string, string>) {
    for (const [k, v] of Object.entries(defaults)) this.defaults.set(k, v);
    this.readHash();
    this.onHashChange = () => {
      const before = new Map(this.values);
      this.readHash();
      const changed = new Set<string>();
      for (const k of new Set([...before.keys(), ...this.values.keys()]))
        if (before.get(k) !== this.values.get(k)) changed.add(k);
      if (changed.size) this.emit(changed);
    };
    window.addEventListener("hashchange", this.onHashChange);
  }

  /** Stops following the URL and drops the listeners (the view it served is gone). */
  dispose(): void {
    window.removeEventListener("hashchange", this.onHashChange);
    this.listeners = [];
  }

  private readHash(): void {
    this.values = new Map();
    const h = location.hash.replace(/^#/, "");
    if (!h) return;
    for (const [k, v] of new URLSearchParams(h)) this.values.set(k, v);
  }

  get(k: string): string {
    return this.values.get(k) ?? this.defaults.get(k) ?? "";
  }
  num(k: string, fallback = 0): number {
    const v = Number(this.get(k));
    return this.get(k) !== "" && Number.isFinite(v) ? v : fallback;
  }
  bool(k: string): boolean {
    return this.get(k) === "1";
  }
  /** null or undefined removes the key (back to the default). */
  set(patch: Record<string, string | number | boolean | null | undefined>): void {
    const changed = new Set<string>();
    for (const [k, raw] of Object.entries(patch)) {
      const before = this.get(k);
      if (raw == null) this.values.delete(k);
      else this.values.set(k, typeof raw === "boolean" ? (raw ? "1" : "0") : String(raw));
      if (this.get(k) !== before) changed.add(k);
    }
    if (!changed.size) return;
    this.writeHash();
    this.emit(changed);
  }

  private writeHash(): void {
    const p = new URLSearchParams();
    for (const [k, v] of this.values) if (v !== this.defaults.get(k)) p.set(k, v);
    const s = p.toString();
    const url = location.href.replace(/#.*$/, "") + (s ? "#" + s : "");
    try {
      history.replaceState(null, "", url);
    } catch {
      location.hash = s;
    }
  }

  on(fn: Listener): void {
    this.listeners.push(fn);
  }
  private emit(changed: Set<string>): void {
    for (const l of this.listeners) l(changed);
  }
}
