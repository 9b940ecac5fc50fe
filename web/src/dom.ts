// Small DOM helpers. Text from the profile goes in through textContent only, never innerHTML.

type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (typeof v === "function") e.addEventListener(k.replace(/^on/, ""), v as EventListener);
    else if (k === "text") e.textContent = String(v);
    else if (k === "class") e.className = String(v);
    else if (k === "style") e.setAttribute("style", String(v));
    else if (k in e && typeof (e as unknown as Record<string, unknown>)[k] === "boolean")
      (e as unknown as Record<string, unknown>)[k] = v === true;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c == null || c === false) continue;
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

export function clear(e: Element): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

export function select(
  options: [string, string][],
  value: string,
  onChange: (v: string) => void,
  title?: string,
  name?: string,
): HTMLSelectElement {
  const s = el("select", { title, name });
  for (const [v, label] of options) s.append(el("option", { value: v, text: label }));
  s.value = value;
  s.addEventListener("change", () => onChange(s.value));
  return s;
}

export function checkbox(
  label: string,
  checked: boolean,
  onChange: (v: boolean) => void,
  title?: string,
  name?: string,
): HTMLLabelElement {
  const c = el("input", { type: "checkbox", name }) as HTMLInputElement;
  c.checked = checked;
  c.addEventListener("change", () => onChange(c.checked));
  return el("label", { class: "ls-check", title }, c, label);
}

export const FRAME_FONT =
  "12px ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

export const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font: 13px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; color: #1d2330; background: #f6f7f9; }
#lambdascope-app { display: flex; flex-direction: column; min-height: 100vh; }
.ls-header { padding: 8px 14px 6px; background: #fff; border-bottom: 1px solid #dde1e7; }
.ls-header h1 { font-size: 15px; margin: 0 0 3px; font-weight: 600; display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.ls-header h1 .ls-kind { font-size: 11px; font-weight: 600; color: #fff; background: #4b5fc9; border-radius: 3px; padding: 1px 6px; text-transform: uppercase; letter-spacing: .04em; }
.ls-meta { display: flex; flex-wrap: wrap; gap: 3px 14px; color: #4a5262; font-size: 12px; }
.ls-meta b { font-weight: 600; color: #1d2330; }
.ls-meta .ls-cmd { font-family: ui-monospace, Menlo, Consolas, monospace; max-width: 70vw; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.ls-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; padding: 6px 14px; background: #fbfbfc; border-bottom: 1px solid #e3e6eb; }
.ls-toolbar .ls-group { display: flex; align-items: center; gap: 4px; }
.ls-toolbar .ls-sep { width: 1px; align-self: stretch; background: #e0e3e8; }
.ls-toolbar label { color: #4a5262; }
select, input[type=text], input[type=search], button { font: inherit; font-size: 12.5px; }
select, input[type=text], input[type=search] { border: 1px solid #c9ced8; border-radius: 4px; padding: 2px 5px; background: #fff; color: inherit; }
input.ls-search { width: 220px; font-family: ui-monospace, Menlo, Consolas, monospace; }
input.ls-search.ls-bad { border-color: #d33; background: #fff1f1; }
button { border: 1px solid #c3c9d4; border-radius: 4px; padding: 2px 9px; background: #fff; color: #1d2330; cursor: pointer; }
button:hover { background: #eef1f6; }
button.ls-on { background: #4b5fc9; color: #fff; border-color: #4b5fc9; }
.ls-tabs { display: flex; gap: 0; }
.ls-tabs button { border-radius: 0; margin-left: -1px; }
.ls-tabs button:first-child { border-radius: 4px 0 0 4px; margin-left: 0; }
.ls-tabs button:last-child { border-radius: 0 4px 4px 0; }
.ls-check { display: inline-flex; align-items: center; gap: 3px; cursor: pointer; user-select: none; }
.ls-matched { color: #8a168a; font-weight: 600; min-width: 10ch; }
.ls-crumbs { display: flex; flex-wrap: wrap; align-items: center; gap: 2px; padding: 4px 14px; min-height: 26px; font-size: 12px; background: #fff; border-bottom: 1px solid #eceef2; }
.ls-crumbs button { padding: 0 6px; border: none; background: none; color: #3046b8; max-width: 28ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11.5px; }
.ls-crumbs button:hover { text-decoration: underline; background: none; }
.ls-crumbs .ls-crumb-sep { color: #9aa1ad; }
.ls-crumbs .ls-crumb-info { margin-left: auto; color: #5b6372; }
.ls-main { position: relative; flex: 1 1 auto; display: flex; flex-direction: column; min-height: 0; }
.ls-flame { position: relative; overflow-y: auto; overflow-x: hidden; background: #fff; }
.ls-flame canvas { position: sticky; top: 0; left: 0; display: block; cursor: pointer; }
.ls-flame .ls-spacer { width: 1px; }
.ls-empty { padding: 30px; color: #6b7280; text-align: center; }
.ls-tooltip { position: fixed; z-index: 20; pointer-events: none; background: rgba(255,255,255,.97); border: 1px solid #c9ced8; border-radius: 5px; box-shadow: 0 4px 14px rgba(20,30,50,.18); padding: 6px 9px; font-size: 12px; max-width: min(620px, 90vw); display: none; }
.ls-tooltip .ls-tt-name { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 600; word-break: break-all; margin-bottom: 3px; }
.ls-tooltip table { border-collapse: collapse; }
.ls-tooltip td { padding: 0 8px 0 0; vertical-align: top; white-space: nowrap; }
.ls-tooltip td:first-child { color: #5b6372; }
.ls-tooltip .ls-tt-loc { color: #4a5262; word-break: break-all; white-space: normal; }
.ls-tooltip .ls-tt-hint { color: #80868f; font-size: 11px; margin-top: 3px; }
.ls-grew { color: #c21818; font-weight: 600; }
.ls-shrank { color: #1b47c9; font-weight: 600; }
.ls-table-wrap { position: relative; overflow: auto; background: #fff; flex: 1 1 auto; }
.ls-table-head, .ls-table-row { display: grid; grid-template-columns: minmax(200px, 1fr) 140px 80px 140px 80px; align-items: center; }
.ls-table-head.ls-diff, .ls-table-row.ls-diff { grid-template-columns: minmax(200px, 1fr) 140px 140px 170px 80px; }
.ls-table-head { position: sticky; top: 0; z-index: 2; background: #f0f2f6; border-bottom: 1px solid #d5d9e0; font-weight: 600; font-size: 12px; }
.ls-table-head > div { padding: 4px 8px; cursor: pointer; user-select: none; }
.ls-table-head > div.ls-num, .ls-table-row > div.ls-num { text-align: right; }
.ls-table-row { height: 22px; border-bottom: 1px solid #f0f1f4; font-size: 12px; position: absolute; left: 0; right: 0; }
.ls-table-row > div { padding: 0 8px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.ls-table-row .ls-fn { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11.5px; cursor: pointer; color: #1d2a7a; }
.ls-table-row .ls-fn:hover { text-decoration: underline; }
.ls-table-row:hover { background: #f3f5fb; }
.ls-table-row .ls-bar { position: relative; }
.ls-table-filter { padding: 5px 14px; background: #fbfbfc; border-bottom: 1px solid #eceef2; display: flex; gap: 10px; align-items: center; }
.ls-sandwich { display: flex; flex-direction: column; flex: 1 1 auto; min-height: 0; }
.ls-sandwich-title { padding: 4px 14px; font-size: 12px; color: #4a5262; background: #fbfbfc; border-bottom: 1px solid #eceef2; border-top: 1px solid #eceef2; }
.ls-sandwich-title b { font-family: ui-monospace, Menlo, Consolas, monospace; color: #1d2330; }
.ls-help { position: fixed; inset: 0; z-index: 30; background: rgba(20,25,35,.35); display: none; align-items: center; justify-content: center; }
.ls-help.ls-open { display: flex; }
.ls-help-box { background: #fff; border-radius: 8px; box-shadow: 0 12px 40px rgba(0,0,0,.25); padding: 16px 22px; max-width: 640px; max-height: 85vh; overflow: auto; }
.ls-help-box h2 { margin: 0 0 8px; font-size: 15px; }
.ls-help-box table { border-collapse: collapse; width: 100%; }
.ls-help-box td { padding: 3px 10px 3px 0; vertical-align: top; }
.ls-help-box kbd { font: 11.5px ui-monospace, Menlo, Consolas, monospace; background: #f0f2f6; border: 1px solid #cfd4dd; border-bottom-width: 2px; border-radius: 4px; padding: 0 5px; }
.ls-help-box p { color: #4a5262; margin: 8px 0 0; }
.ls-legend { display: inline-flex; gap: 8px; align-items: center; font-size: 11.5px; color: #4a5262; }
.ls-legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 3px; vertical-align: -1px; border: 1px solid rgba(0,0,0,.15); }
.ls-error { margin: 30px; padding: 16px; border: 1px solid #e3a3a3; background: #fff4f4; border-radius: 6px; color: #8a1111; white-space: pre-wrap; font-family: ui-monospace, Menlo, Consolas, monospace; }
.ls-heat-panel { background: #fff; border-bottom: 1px solid #dde1e7; }
.ls-heat-scroll { position: relative; overflow-x: auto; overflow-y: hidden; }
.ls-heat-scroll canvas { position: sticky; left: 0; display: block; cursor: crosshair; }
.ls-heat-info { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: center; padding: 5px 14px; font-size: 12px; border-top: 1px solid #eceef2; min-height: 30px; }
.ls-heat-info code { font: 11.5px ui-monospace, Menlo, Consolas, monospace; background: #f3f4f7; border: 1px solid #e1e4ea; border-radius: 4px; padding: 2px 6px; user-select: all; word-break: break-all; }
.ls-heat-info .ls-sel { color: #6b3fa0; font-weight: 600; }
.ls-heat-info .ls-base { color: #1e6bd6; font-weight: 600; }
.ls-note { color: #80868f; font-size: 11.5px; }
`;

let styled = false;
export function injectStyle(): void {
  if (styled) return;
  styled = true;
  const s = document.createElement("style");
  s.textContent = CSS;
  document.head.append(s);
}
