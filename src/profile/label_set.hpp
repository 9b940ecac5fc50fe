// Sample labels (pprof's Label: a key with a string or a numeric value and unit), interned as sorted sets so
// a sample carries one id. Set 0 is the empty set. Thread id, thread name and time have their own sample
// columns.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "profile/hash.hpp"
#include "profile/string_table.hpp"

namespace lambdascope::profile {

using LabelSetId = uint32_t;

struct Label {
  StringId key = 0;
  StringId str = 0;  // set for string labels
  int64_t num = 0;   // used when str == 0
  StringId unit = 0;

  bool is_numeric() const { return str == 0; }
  bool operator==(const Label&) const = default;
  auto operator<=>(const Label&) const = default;
};

class LabelSetTable {
 public:
  LabelSetTable() {
    offsets_.push_back(0);
    offsets_.push_back(0);
  }

  // Sorts `labels` (so order never matters) and returns the id of that set.
  LabelSetId intern(std::vector<Label> labels) {
    std::sort(labels.begin(), labels.end());
    if (labels.empty()) return 0;
    uint64_t h = 0x51af;
    for (const Label& l : labels) {
      h = hash_combine(h, (uint64_t{l.key} << 32) | l.str);
      h = hash_combine(h, static_cast<uint64_t>(l.num) ^ (uint64_t{l.unit} << 40));
    }
    auto next = static_cast<LabelSetId>(offsets_.size() - 1);
    bool inserted = false;
    LabelSetId id = index_.find_or_insert(
        h,
        [&](uint32_t i) {
          auto [b, e] = range(i);
          return static_cast<size_t>(e - b) == labels.size() && std::equal(b, e, labels.begin());
        },
        next, &inserted);
    if (inserted) {
      labels_.insert(labels_.end(), labels.begin(), labels.end());
      offsets_.push_back(labels_.size());
    }
    return id;
  }

  std::pair<const Label*, const Label*> range(LabelSetId id) const {
    return {labels_.data() + offsets_[id], labels_.data() + offsets_[id + 1]};
  }
  std::vector<Label> labels(LabelSetId id) const {
    auto [b, e] = range(id);
    return {b, e};
  }
  size_t size() const { return offsets_.size() - 1; }

 private:
  std::vector<Label> labels_;
  std::vector<size_t> offsets_;  // set i is labels_[offsets_[i], offsets_[i+1])
  IdIndex index_;
};

}  // namespace lambdascope::profile
