// /flamegraph.json: nested-set rows as a JSON array of {"level","value","self","label"} objects, the shape
// Grafana's flame graph panel reads through a JSON data source (values are nanoseconds).
#pragma once

#include <string>
#include <vector>

#include "server/live/live_aggregator.hpp"

namespace lambdascope::live {

std::string nested_set_json(const std::vector<NestedSetRow>& rows);

}  // namespace lambdascope::live
