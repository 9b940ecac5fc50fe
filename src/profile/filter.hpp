// Selecting samples: by time range, process, thread, comm, label and frame regex. Selection returns indices
// so views (heat map ranges, flame graphs) can share one profile; filter() makes a smaller copy.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "profile/profile.hpp"

namespace lambdascope::profile {

struct LabelMatch {
  std::string key;
  std::string value;  // compared with the string value, or with the decimal form of a numeric one
};

struct SampleFilter {
  // [begin, end) in the profile's clock, nanoseconds. Samples without a time fail a time condition.
  std::optional<int64_t> time_begin_ns;
  std::optional<int64_t> time_end_ns;
  std::vector<int32_t> pids;          // any of; empty = all
  std::vector<int32_t> tids;          // any of; empty = all
  std::vector<std::string> comms;     // thread names, any of; empty = all
  std::vector<LabelMatch> labels;     // all of
  std::optional<std::regex> include;  // keep stacks with a frame name matching (std::regex_search)
  std::optional<std::regex> exclude;  // drop stacks with a frame name matching

  bool empty() const {
    return !time_begin_ns && !time_end_ns && pids.empty() && tids.empty() && comms.empty() &&
           labels.empty() && !include && !exclude;
  }
};

std::vector<uint32_t> select_samples(const Profile& p, const SampleFilter& filter);

// A profile holding only the selected samples (metadata kept; start/end narrowed to the time range given).
Profile filter(const Profile& p, const SampleFilter& filter);
Profile subset(const Profile& p, const std::vector<uint32_t>& selection);

}  // namespace lambdascope::profile
