#include "profile/call_tree.hpp"

#include <algorithm>
#include <unordered_map>

namespace lambdascope::profile {

CallTree CallTree::build(const Profile& p, const CallTreeOptions& options,
                         std::span<const uint32_t> selection) {
  // Sum weights per (group, stack) first, so the stack walk happens once per distinct stack, not per sample.
  std::unordered_map<uint64_t, double> weights;
  auto add = [&](size_t i) {
    StringId group = options.group_by_thread_name ? p.samples.thread_name[i] : 0;
    weights[(uint64_t{group} << 32) | p.samples.stack[i]] += p.value(i, options.value_index);
  };
  if (selection.empty()) {
    for (size_t i = 0; i < p.num_samples(); ++i) add(i);
  } else {
    for (uint32_t i : selection) add(i);
  }

  CallTree tree;
  tree.nodes_.emplace_back();
  std::unordered_map<uint64_t, uint32_t> by_group;   // group string -> node
  std::unordered_map<uint64_t, uint32_t> by_parent;  // (parent node, frame) -> node
  auto child = [&](uint32_t parent, FrameId frame) {
    auto [it, inserted] = by_parent.try_emplace((uint64_t{parent} << 32) | frame, 0);
    if (inserted) {
      it->second = static_cast<uint32_t>(tree.nodes_.size());
      CallTreeNode n;
      n.frame = frame;
      n.parent = parent;
      n.depth = tree.nodes_[parent].depth + 1;
      tree.nodes_.push_back(std::move(n));
      tree.nodes_[parent].children.push_back(it->second);
    }
    return it->second;
  };

  // Deterministic order: by stack id then group, so equal inputs give equal trees.
  std::vector<std::pair<uint64_t, double>> entries(weights.begin(), weights.end());
  std::sort(entries.begin(), entries.end());
  std::vector<FrameId> frames;
  for (const auto& [key, weight] : entries) {
    if (weight == 0) continue;
    auto group = static_cast<StringId>(key >> 32);
    auto stack = static_cast<StackId>(key & 0xffffffffu);
    uint32_t node = 0;
    if (options.group_by_thread_name) {
      auto [it, inserted] = by_group.try_emplace(group, 0);
      if (inserted) {
        it->second = static_cast<uint32_t>(tree.nodes_.size());
        CallTreeNode n;
        n.group = group;
        n.depth = 1;
        tree.nodes_.push_back(std::move(n));
        tree.nodes_[0].children.push_back(it->second);
      }
      node = it->second;
    }
    frames = p.stacks.frames_root_first(stack);
    for (FrameId f : frames) node = child(node, f);
    tree.nodes_[node].self += weight;
  }
  // Totals bottom-up: children always have larger ids than their parents.
  for (size_t i = tree.nodes_.size(); i > 0; --i) {
    CallTreeNode& n = tree.nodes_[i - 1];
    n.total += n.self;
    if (i > 1) tree.nodes_[n.parent].total += n.total;
  }
  return tree;
}

uint32_t CallTree::max_depth() const {
  uint32_t d = 0;
  for (const CallTreeNode& n : nodes_) d = std::max(d, n.depth);
  return d;
}

}  // namespace lambdascope::profile
