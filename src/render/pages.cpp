#include "render/pages.hpp"

#include "profile/filter.hpp"
#include "render/embedded_files.hpp"
#include "render/heatmap.hpp"
#include "render/html_page.hpp"
#include "render/page_payload.hpp"

namespace lambdascope::render {

namespace {
Page make_page(const PagePayload& payload) {
  return {payload.title, page_payload_json(payload)};
}
}  // namespace

std::string Page::html() const {
  return html_page(title, payload_json, web_bundle());
}

Page flamegraph_page(const profile::Profile& p, const FlamegraphPageOptions& options) {
  bool differential = options.differential;
  PagePayload payload;
  payload.page = differential ? PageKind::kDiff : PageKind::kFlamegraph;
  payload.title = options.title;
  payload.options.orientation = options.inverted ? Orientation::kIcicle : Orientation::kFlame;
  payload.options.value = options.value;
  payload.options.hide_idle = options.hide_idle;
  payload.options.search = options.search;
  if (differential) {
    payload.options.value = 0;
    payload.options.diff_normalize = false;  // the counts are compared as given
    payload.profiles = {{&p, {0}}, {&p, {1}}};
  } else {
    payload.profiles.push_back({&p, {}});
  }
  payload.detail = SampleDetail::kAggregated;
  return make_page(payload);
}

Page heatmap_page(const profile::Profile& input, const HeatmapPageOptions& options) {
  // Every sample of the page needs a time; those without one cannot be placed.
  std::vector<uint32_t> timed;
  for (size_t i = 0; i < input.num_samples(); ++i)
    if (input.samples.time_ns[i] != profile::kNoTime) timed.push_back(static_cast<uint32_t>(i));
  if (timed.empty())
    throw PageError(
        "no sample has a timestamp; a heat map needs per-sample times (perf script, .cpuprofile, Chrome "
        "trace, "
        "lambdascope's pprof)");
  profile::Profile subset;
  bool all_timed = timed.size() == input.num_samples();
  if (!all_timed) {
    if (options.warn)
      options.warn(std::to_string(input.num_samples() - timed.size()) + " of " +
                   std::to_string(input.num_samples()) + " samples have no timestamp and are left out");
    subset = profile::subset(input, timed);
  }
  const profile::Profile& p = all_timed ? input : subset;

  HeatmapOptions ho;
  ho.grid.rows = options.rows;
  ho.auto_columns = options.column_seconds == 0;
  if (!ho.auto_columns) ho.grid.column_ns = options.column_seconds * kNanosPerSecond;
  ho.value_index = options.value;
  ho.include_idle = options.keep_idle;
  Heatmap h = build_heatmap(p, ho);
  if (h.samples_used == 0) throw PageError("every sample is idle; pass --keep-idle to draw them");

  PagePayload payload;
  payload.page = PageKind::kHeatmap;
  payload.title = options.title;
  payload.options.value = options.value;
  payload.options.rows = options.rows;
  payload.options.column_s = h.grid.column_ns / kNanosPerSecond;
  payload.options.hide_idle = !options.keep_idle;
  payload.profiles.push_back({&p, {}});
  payload.detail = SampleDetail::kEverySample;
  return make_page(payload);
}

Page diff_page(const profile::Profile& base, const profile::Profile& next, const DiffPageOptions& options) {
  PagePayload payload;
  payload.page = PageKind::kDiff;
  payload.title = options.title;
  payload.options.orientation = options.inverted ? Orientation::kIcicle : Orientation::kFlame;
  payload.options.diff_normalize = options.normalize;
  payload.options.hide_idle = false;
  // The page compares one value column; when the two inputs have different sample types, each carries only
  // the chosen one.
  if (base.meta.sample_types == next.meta.sample_types && options.base_value == options.new_value) {
    payload.options.value = options.new_value;
    payload.profiles = {{&base, {}}, {&next, {}}};
  } else {
    payload.options.value = 0;
    payload.profiles = {{&base, {options.base_value}}, {&next, {options.new_value}}};
  }
  payload.detail = SampleDetail::kAggregated;
  return make_page(payload);
}

}  // namespace lambdascope::render
