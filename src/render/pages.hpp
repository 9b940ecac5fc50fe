// Page assembly: profile(s) + options → the payload of docs/page-data.md and the self-contained HTML page
// that embeds it with the web bundle. The `flamegraph`, `heatmap` and `diff` commands and `serve` build their
// pages here. Never reads files or flags: inputs are already loaded and filtered.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "profile/profile.hpp"

namespace lambdascope::render {

// Input that cannot make the page (nothing to draw); the message says why, callers name the input.
class PageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Page {
  std::string title;
  std::string payload_json;
  std::string html() const;  // the page with the embedded web bundle
};

struct FlamegraphPageOptions {
  std::string title;
  bool inverted = false;
  size_t value = 0;
  bool differential = false;  // two-count lines (difffolded.pl): drawn as a diff of the counts as given
  bool hide_idle = false;
  std::string search;
};

Page flamegraph_page(const profile::Profile& p, const FlamegraphPageOptions& options);

struct HeatmapPageOptions {
  std::string title;
  int rows = 50;
  int64_t column_seconds = 0;  // 0: chosen from the recording's length
  size_t value = 0;
  bool keep_idle = false;
  std::function<void(const std::string&)> warn;  // told how many untimed samples were left out
};

// The FlameScope page. Throws PageError when no sample has a time or every sample is idle.
Page heatmap_page(const profile::Profile& p, const HeatmapPageOptions& options);

struct DiffPageOptions {
  std::string title;
  bool inverted = false;
  bool normalize = true;  // BASE scaled to NEW's total
  size_t base_value = 0, new_value = 0;
};

Page diff_page(const profile::Profile& base, const profile::Profile& next, const DiffPageOptions& options);

}  // namespace lambdascope::render
