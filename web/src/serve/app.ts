// The serve pages: one HTML shell for every route; the path says which page to build (docs/serve.md).
import type { LambdascopeApi } from "../api";
import { el } from "../dom";
import type { Payload } from "../payload";
import { Client } from "./client";
import { filePage } from "./file_page";
import { functionPage } from "./function_page";
import { homePage } from "./home_page";
import { invocationPage } from "./invocation_page";
import { SERVE_CSS } from "./ui";
import { whySlowPage } from "./why_slow_page";

/** Builds the page of the current path; resolves once its first data is on screen. */
export async function servePage(p: Payload, app: HTMLElement, api: LambdascopeApi): Promise<void> {
  document.head.append(el("style", { text: SERVE_CSS }));
  app.style.minHeight = "0";
  const client = new Client(p.api!.replace(/\/$/, ""));
  const path = location.pathname;
  const rest = (prefix: string) => decodeURIComponent(path.slice(prefix.length));
  const serve: Record<string, unknown> = {};
  api.serve = serve;
  let route: string;
  if (path === "/" || path === "") {
    route = "home";
    document.title = "lambdascope";
    await homePage(client, app);
  } else if (path.startsWith("/f/")) {
    route = "function";
    document.title = `${rest("/f/")} · lambdascope`;
    Object.assign(serve, await functionPage(client, app, rest("/f/")));
  } else if (path.startsWith("/why-slow/")) {
    route = "why-slow";
    document.title = `why slow: ${rest("/why-slow/")} · lambdascope`;
    Object.assign(serve, await whySlowPage(client, app, rest("/why-slow/")));
  } else if (path.startsWith("/i/")) {
    route = "invocation";
    document.title = `invocation · lambdascope`;
    Object.assign(serve, await invocationPage(client, app, rest("/i/")));
  } else if (path.startsWith("/file/")) {
    route = "file";
    document.title = `${rest("/file/")} · lambdascope`;
    serve.area = await filePage(client, app, rest("/file/"));
  } else {
    throw new Error(`no page at ${path}`);
  }
  serve.route = route;
}
