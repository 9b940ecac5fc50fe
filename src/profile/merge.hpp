// Merging profiles with pprof's rules (profile/merge.go): all inputs must have the same sample types and
// period type; the earliest start wins, durations are summed, the period is the maximum, comments are
// de-duplicated, and samples identical in stack, labels, thread and time are summed. One exception: an input
// without samples is not checked for its sample types (it adds nothing in them; its times and comments count).
#pragma once

#include <span>
#include <stdexcept>
#include <string>

#include "profile/profile.hpp"
#include "profile/sample_aggregator.hpp"

namespace lambdascope::profile {

class MergeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws MergeError naming the first input (by index) whose sample types differ.
Profile merge(std::span<const Profile* const> inputs);

// Streaming form, for merging many profiles without holding them all: add one at a time. take() drops
// samples whose values are all zero, as pprof's merge does.
class ProfileMerger {
 public:
  void add(const Profile& p);  // throws MergeError
  Profile take();
  size_t count() const { return count_; }

 private:
  Profile out_;
  SampleAggregator agg_{out_, AggregateKeys::all()};
  size_t count_ = 0;
};

}  // namespace lambdascope::profile
