// A profile aggregated to a call tree: one node per distinct path, with self and total weight for one value
// column. Built after filtering, from any subset of samples. Children are in first-seen order; ordering for
// display (by weight, by name) belongs to the renderer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "profile/profile.hpp"

namespace lambdascope::profile {

struct CallTreeNode {
  FrameId frame = FrameTable::kAbsent;  // kAbsent for the root and for thread group nodes
  StringId group = 0;                   // thread name, for the nodes under the root when grouped by thread
  uint32_t parent = 0;
  uint32_t depth = 0;
  double self = 0;
  double total = 0;
  std::vector<uint32_t> children;
};

struct CallTreeOptions {
  size_t value_index = 0;
  bool group_by_thread_name = false;  // first level = comm, as stackcollapse-perf does
};

class CallTree {
 public:
  // `selection`: sample indices to include; empty means every sample.
  static CallTree build(const Profile& p, const CallTreeOptions& options,
                        std::span<const uint32_t> selection = {});

  const CallTreeNode& node(uint32_t id) const { return nodes_[id]; }
  const std::vector<CallTreeNode>& nodes() const { return nodes_; }
  size_t size() const { return nodes_.size(); }
  double total() const { return nodes_[0].total; }
  uint32_t max_depth() const;

 private:
  std::vector<CallTreeNode> nodes_;
};

}  // namespace lambdascope::profile
