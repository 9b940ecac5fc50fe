// The bounds of live export (`record --listen`): how many stacks, functions and threads the aggregation
// keeps, how many series /metrics names, and how much history the windowed endpoints can ask for. Every table
// the live server grows is capped by one of these, so its memory levels off however long the program runs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lambdascope::live {

struct LiveOptions {
  size_t max_stacks = 65536;     // stack table nodes; stacks beyond go to their thread's `[other]` frame
  size_t max_functions = 65536;  // distinct function names counted; beyond, `[other]`
  size_t max_threads = 32;       // thread names kept apart; the rest are `other`
  double window_s = 60;          // the top-N sets change at most once per window
  size_t metrics_top = 20;       // function series (plus `other`); at most kMaxMetricsTop
  size_t metrics_stacks = 0;     // stack series (plus `other`); at most kMaxMetricsStacks
  size_t max_nodes = 5000;       // rows of /flamegraph.json
  int64_t history_s = 600;       // seconds of per-second buckets kept: the largest `seconds=` served
};

inline constexpr size_t kMaxMetricsTop = 200;
inline constexpr size_t kMaxMetricsStacks = 500;
inline constexpr size_t kMaxLabelBytes = 128;

}  // namespace lambdascope::live
