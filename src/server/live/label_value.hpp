// Label values for /metrics: frame and thread names are untrusted bytes of any length, and Prometheus' scrape
// limits (label_value_length_limit) fail the whole scrape on a long one. Values are made valid UTF-8, cut to
// kMaxLabelBytes on a character boundary, and escaped as the text formats require.
#pragma once

#include <string>
#include <string_view>

#include "server/live/live_options.hpp"

namespace lambdascope::live {

// The first `max_bytes` bytes of `s` (valid UTF-8), never splitting a character.
std::string cut_label(std::string_view s, size_t max_bytes = kMaxLabelBytes);

// A `;`-joined stack keeps its leaf end: "...;" followed by the last bytes, starting at a frame when one
// fits.
std::string cut_stack_label(std::string_view s, size_t max_bytes = kMaxLabelBytes);

// Appends `value` with `\`, `"` and newline escaped (text format 0.0.4 and OpenMetrics agree on these).
void append_escaped_label(std::string& out, std::string_view value);

}  // namespace lambdascope::live
