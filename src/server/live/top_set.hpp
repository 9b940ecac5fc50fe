// Which ids get their own series: the top N by a score over the last window, recomputed at most once per
// window, so the set of series a scraper sees does not churn between scrapes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace lambdascope::live {

class TopSet {
 public:
  TopSet(size_t n, double window_s) : n_(n), window_s_(window_s) {}

  // True when the set may change at `now_s`: none was chosen yet, or a window has passed since.
  bool due(double now_s) const { return now_s >= next_update_s_; }
  // Chooses the members (largest positive scores, ties by id) when due; scores of ids not present are 0.
  void update(double now_s, std::vector<std::pair<uint32_t, double>> scores);

  const std::vector<uint32_t>& members() const { return members_; }
  bool contains(uint32_t id) const { return id < flags_.size() && flags_[id]; }

 private:
  size_t n_;
  double window_s_;
  double next_update_s_ = -std::numeric_limits<double>::infinity();
  std::vector<uint32_t> members_;
  std::vector<bool> flags_;
};

}  // namespace lambdascope::live
