// Sums samples that are identical in the chosen columns, so a profile of a 1 GB recording with few distinct
// stacks stays small. Columns left out of the key are reset to "unknown" in the output.
#pragma once

#include "profile/profile.hpp"

namespace lambdascope::profile {

struct AggregateKeys {
  bool time = false;
  bool pid = true;
  bool tid = true;
  bool cpu = false;
  bool thread_name = true;
  bool labels = true;

  static AggregateKeys all() { return {true, true, true, true, true, true}; }
};

class SampleAggregator {
 public:
  SampleAggregator(Profile& target, AggregateKeys keys) : target_(target), keys_(keys) {}

  // Adds `row` to the matching sample of the target, or appends it. Returns the sample index.
  size_t add(SampleRow row);
  void reset() { index_.clear(); }  // after the target was replaced

 private:
  uint64_t key_hash(const SampleRow& row) const;
  bool same_key(size_t i, const SampleRow& row) const;

  Profile& target_;
  AggregateKeys keys_;
  IdIndex index_;
};

// A copy of `p` with identical samples summed (pprof's rule when keys == AggregateKeys::all()).
Profile aggregate_samples(const Profile& p, AggregateKeys keys);

}  // namespace lambdascope::profile
