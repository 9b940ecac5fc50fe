// The payload of a page (docs/page-data.md): the profiles a page shows, as struct-of-arrays JSON, plus the
// page's starting options. Only the strings, frames and stacks the samples use are written, renumbered in
// first-use order (parents before children, as the contract requires). Pages that need no time get one sample
// per distinct (stack, pid, tid, thread); the heat map page keeps every sample with its time delta.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "profile/profile.hpp"

namespace lambdascope::render {

enum class PageKind { kFlamegraph, kHeatmap, kDiff };
enum class Orientation { kFlame, kIcicle };
enum class ChildOrder { kWeight, kName };
enum class ColorBy { kKind, kModule };

std::string_view page_kind_name(PageKind kind);  // "flamegraph", "heatmap", "diff"

// The page's starting view; the URL hash overrides it in the browser.
struct PageOptions {
  Orientation orientation = Orientation::kFlame;
  ChildOrder order = ChildOrder::kWeight;
  ColorBy color = ColorBy::kKind;
  size_t value = 0;  // index into the written meta.sample_types
  std::string search;
  int rows = 50;
  int64_t column_s = 1;
  bool hide_idle = true;
  bool diff_normalize = true;
};

// A profile of the payload and the value columns to carry, in that order (empty: all of them).
struct PayloadProfile {
  const profile::Profile* profile = nullptr;
  std::vector<size_t> columns;
};

enum class SampleDetail {
  kAggregated,   // one sample per distinct (stack, pid, tid, thread); no times
  kEverySample,  // every sample in input order, with time deltas when every sample has a time
};

struct PagePayload {
  PageKind page = PageKind::kFlamegraph;
  std::string title;
  PageOptions options;
  std::vector<PayloadProfile> profiles;  // flamegraph and heatmap: one; diff: base then new
  SampleDetail detail = SampleDetail::kAggregated;
};

// The payload JSON (UTF-8, with '<' escaped, so it may also be inlined in HTML).
std::string page_payload_json(const PagePayload& payload);

}  // namespace lambdascope::render
