#include "server/live/top_set.hpp"

#include <algorithm>

namespace lambdascope::live {

void TopSet::update(double now_s, std::vector<std::pair<uint32_t, double>> scores) {
  if (!due(now_s) || n_ == 0) return;
  std::erase_if(scores, [](const auto& s) { return !(s.second > 0); });
  if (scores.empty()) return;  // nothing seen yet: choose when there is something to choose from
  std::sort(scores.begin(), scores.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (scores.size() > n_) scores.resize(n_);
  for (uint32_t id : members_) flags_[id] = false;
  members_.clear();
  for (const auto& [id, score] : scores) {
    members_.push_back(id);
    if (flags_.size() <= id) flags_.resize(id + 1, false);
    flags_[id] = true;
  }
  std::sort(members_.begin(), members_.end());
  next_update_s_ = now_s + window_s_;
}

}  // namespace lambdascope::live
