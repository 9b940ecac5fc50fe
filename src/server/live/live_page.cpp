#include "server/live/live_page.hpp"

#include <fmt/format.h>

#include "render/embedded_files.hpp"
#include "render/html_page.hpp"
#include "render/page_payload.hpp"

namespace lambdascope::live {

namespace {

constexpr int kWindows[] = {10, 60, 300};

std::string control_bar(const LivePageOptions& o) {
  // Links keep the hash (view state) through a tiny script; without it they still work, starting fresh.
  std::string bar = fmt::format(
      "<div id=\"ls-live-bar\" style=\"position:fixed;right:8px;bottom:8px;z-index:10;background:#fff;"
      "border:1px solid #ccc;padding:4px 8px;font:12px sans-serif\">live: last {} s{} &middot; ",
      o.seconds, o.paused ? " (paused)" : fmt::format(", every {} s", o.refresh_s));
  bar += fmt::format("<a class=\"ls-live-link\" href=\"/?seconds={}{}\">{}</a>", o.seconds,
                     o.paused ? "" : "&paused=1", o.paused ? "resume" : "pause");
  for (int w : kWindows)
    bar += fmt::format(" &middot; <a class=\"ls-live-link\" href=\"/?seconds={}{}\">{} s</a>", w,
                       o.paused ? "&paused=1" : "", w);
  bar +=
      "</div><script>for (const a of document.querySelectorAll('a.ls-live-link')) "
      "a.addEventListener('click', () => { a.href += location.hash; });";
  // location.reload() keeps the URL, hash included, so zoom and search stay across reloads.
  if (!o.paused) bar += fmt::format(" setTimeout(() => location.reload(), {});", o.refresh_s * 1000);
  bar += "</script>";
  return bar;
}

}  // namespace

std::string live_page_html(const profile::Profile& window, const LivePageOptions& o) {
  render::PagePayload payload;
  payload.page = render::PageKind::kFlamegraph;
  payload.title =
      fmt::format("Live: {} ({}, last {} s)", o.title, window.meta.sample_types.back().type, o.seconds);
  payload.options.value = 1;  // cpu or wall nanoseconds
  payload.profiles.push_back({&window, {}});
  payload.detail = render::SampleDetail::kAggregated;
  std::string html =
      render::html_page(payload.title, render::page_payload_json(payload), render::web_bundle());
  size_t body_end = html.rfind("</body>");
  html.insert(body_end == std::string::npos ? html.size() : body_end, control_bar(o));
  return html;
}

}  // namespace lambdascope::live
