// What a profile is: its sample types with units, the sampling period, when it was taken, and free-form facts
// (command line, event, host) that readers find and writers carry on.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambdascope::profile {

inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

struct ValueType {
  std::string type;  // "samples", "cpu", "wall", "period", ...
  std::string unit;  // "count", "nanoseconds", "microseconds", "bytes", "events", ...
  bool operator==(const ValueType&) const = default;
};

// Well-known attribute keys, so readers and writers agree.
namespace attr {
inline constexpr std::string_view kSourceFormat = "source_format";  // perf-script, folded, pprof, ...
inline constexpr std::string_view kCommand = "cmdline";
inline constexpr std::string_view kEvent = "event";
inline constexpr std::string_view kFrequencyHz = "frequency_hz";
inline constexpr std::string_view kHostname = "hostname";
inline constexpr std::string_view kCapturedOn = "captured_on";
inline constexpr std::string_view kTimeClock =
    "time_clock";  // "perf" (monotonic), "unix", "v8" (monotonic µs)
}  // namespace attr

struct Metadata {
  std::vector<ValueType> sample_types;
  int default_sample_type = -1;  // index into sample_types; -1 = the last one (pprof's rule)
  ValueType period_type;
  int64_t period = 0;
  // Times are nanoseconds in the clock named by attr::kTimeClock; kNoTime when unknown.
  int64_t start_ns = kNoTime;
  int64_t end_ns = kNoTime;
  int64_t time_nanos = 0;   // wall-clock (Unix epoch) start, as in pprof; 0 when unknown
  int64_t duration_ns = 0;  // as in pprof's duration_nanos
  std::vector<std::string> comments;
  std::vector<std::pair<std::string, std::string>> attributes;

  size_t default_value_index() const {
    if (default_sample_type >= 0 && static_cast<size_t>(default_sample_type) < sample_types.size())
      return static_cast<size_t>(default_sample_type);
    return sample_types.empty() ? 0 : sample_types.size() - 1;
  }
  std::string_view attribute(std::string_view key) const {
    for (const auto& [k, v] : attributes)
      if (k == key) return v;
    return {};
  }
  void set_attribute(std::string_view key, std::string value) {
    for (auto& [k, v] : attributes)
      if (k == key) {
        v = std::move(value);
        return;
      }
    attributes.emplace_back(std::string(key), std::move(value));
  }
};

}  // namespace lambdascope::profile
