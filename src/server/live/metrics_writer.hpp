// /metrics bodies: Prometheus text format 0.0.4, or OpenMetrics 1.0 when the scraper's Accept header asks for
// it. Only counters, with the names of docs/live.md; it formats a MetricsSnapshot and decides nothing.
#pragma once

#include <string>
#include <string_view>

#include "server/live/live_aggregator.hpp"

namespace lambdascope::live {

enum class MetricsFormat { kText004, kOpenMetrics };

// OpenMetrics when `accept` names application/openmetrics-text, else text 0.0.4.
MetricsFormat metrics_format_for(std::string_view accept);
std::string_view metrics_content_type(MetricsFormat format);
std::string write_metrics(const MetricsSnapshot& snapshot, MetricsFormat format);

}  // namespace lambdascope::live
