// The header `perf script --header` prints before the records ("# cmdline : ...", "# event : name = cycles,
// ... { sample_period, sample_freq } = 99, ... freq = 1", "# time of first sample : 12184.494971", ...),
// gathered into what the profile's metadata wants: attributes, the events with their period or frequency,
// and the time range.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "profile/metadata.hpp"

namespace lambdascope::formats::perf_script {

struct HeaderEvent {
  std::string name;
  uint64_t value = 0;  // sample period, or frequency in Hz when `freq`
  bool has_value = false;
  bool freq = false;
};

struct Header {
  std::vector<std::pair<std::string, std::string>> attributes;  // attr:: keys and a few perf facts
  std::vector<HeaderEvent> events;
  int64_t first_sample_ns = profile::kNoTime;
  int64_t last_sample_ns = profile::kNoTime;

  // Takes one comment line; lines that are not "# key : value" facts we know are ignored.
  void add_line(std::string_view line);
  // The header's description of `event` (matched by its base name), or null.
  const HeaderEvent* find_event(std::string_view base_name) const;
};

}  // namespace lambdascope::formats::perf_script
