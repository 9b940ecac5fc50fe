// The events `lambdascope local` invokes the function with: a JSON Lines file, one event payload per line.
#pragma once

#include <string>
#include <vector>

namespace lambdascope::lambda {

// Reads `path` ("-" for stdin); blank lines are skipped. Throws std::invalid_argument naming the file and
// line of anything that is not one JSON value, or when there is no event at all.
std::vector<std::string> read_event_lines(const std::string& path);

}  // namespace lambdascope::lambda
