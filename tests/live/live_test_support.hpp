// Batches as record hands them to the live aggregator: a "samples" count and cpu nanoseconds per sample.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "profile/profile.hpp"

namespace lambdascope::live::testing {

struct BatchSample {
  std::string stack;  // "a;b;c", root first
  double ns = 10'000'000;
  std::string thread = "main";
};

inline profile::Profile make_batch(const std::vector<BatchSample>& samples) {
  profile::Profile p;
  p.meta.sample_types = {{"samples", "count"}, {"cpu", "nanoseconds"}};
  p.meta.period_type = {"cpu", "nanoseconds"};
  p.meta.period = 10'000'000;
  for (const BatchSample& s : samples) {
    std::vector<profile::FrameId> frames;
    for (size_t start = 0; start < s.stack.size();) {
      size_t end = std::min(s.stack.find(';', start), s.stack.size());
      frames.push_back(p.intern_frame(std::string_view(s.stack).substr(start, end - start)));
      start = end + 1;
    }
    double values[2] = {1, s.ns};
    profile::SampleRow row;
    row.stack = p.intern_stack(frames);
    row.values = values;
    row.thread_name = p.intern(s.thread);
    p.add_sample(row);
  }
  return p;
}

}  // namespace lambdascope::live::testing
