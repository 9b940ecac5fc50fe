// The `seconds=N` query parameter of the windowed endpoints: a whole number from 1 to a maximum. Anything
// else is the client's error, answered with one line that says what was expected.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lambdascope::live {

// `raw` is the parameter's value, or nullopt when the request has none (then `fallback`).
std::optional<int> parse_seconds(const std::optional<std::string>& raw, int fallback, int max,
                                 std::string* error);

}  // namespace lambdascope::live
