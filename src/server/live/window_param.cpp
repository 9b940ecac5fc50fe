#include "server/live/window_param.hpp"

#include <charconv>

namespace lambdascope::live {

std::optional<int> parse_seconds(const std::optional<std::string>& raw, int fallback, int max,
                                 std::string* error) {
  if (!raw) return fallback;
  int value = 0;
  const char* end = raw->data() + raw->size();
  auto [ptr, ec] = std::from_chars(raw->data(), end, value);
  if (raw->empty() || ec != std::errc{} || ptr != end || value < 1 || value > max) {
    *error = "seconds must be a whole number from 1 to " + std::to_string(max);
    return std::nullopt;
  }
  return value;
}

}  // namespace lambdascope::live
