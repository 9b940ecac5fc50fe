// Small profiles for the model's tests: samples given as "a;b;c" stacks, one count each, at the given times.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "profile/profile.hpp"

namespace lambdascope::profile::test {

inline Profile make(std::initializer_list<std::pair<std::string, int64_t>> samples,
                    std::string comm = "app") {
  Profile p;
  p.meta.sample_types = {{"samples", "count"}};
  for (const auto& [stack, t] : samples) {
    std::vector<FrameId> frames;
    size_t pos = 0;
    while (pos <= stack.size()) {
      size_t end = stack.find(';', pos);
      if (end == std::string::npos) end = stack.size();
      frames.push_back(p.intern_frame(stack.substr(pos, end - pos)));
      pos = end + 1;
    }
    double one = 1;
    SampleRow row;
    row.stack = p.intern_stack(frames);
    row.values = {&one, 1};
    row.time_ns = t;
    row.tid = 7;
    row.thread_name = p.intern(comm);
    p.add_sample(row);
  }
  return p;
}

}  // namespace lambdascope::profile::test
