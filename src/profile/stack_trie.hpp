// Stacks as a trie of frames: a stack id names a path from the root (outermost caller) to a leaf, so
// identical stacks share one id and a stack costs one id per sample. Id 0 is the empty stack.
#pragma once

#include <cstdint>
#include <vector>

#include "profile/frame.hpp"
#include "profile/hash.hpp"

namespace lambdascope::profile {

using StackId = uint32_t;

class StackTrie {
 public:
  static constexpr StackId kRoot = 0;

  StackTrie() { nodes_.push_back({kRoot, FrameTable::kAbsent, 0}); }

  // The stack `parent` extended by one callee frame.
  StackId push(StackId parent, FrameId frame) {
    uint64_t h = key_hash(parent, frame);
    auto next = static_cast<StackId>(nodes_.size());
    bool inserted = false;
    StackId id = index_.find_or_insert(
        h, [&](uint32_t i) { return nodes_[i].parent == parent && nodes_[i].frame == frame; }, next,
        &inserted);
    if (inserted) nodes_.push_back({parent, frame, nodes_[parent].depth + 1});
    return id;
  }

  StackId parent(StackId id) const { return nodes_[id].parent; }
  FrameId frame(StackId id) const { return nodes_[id].frame; }  // kAbsent for the root
  uint32_t depth(StackId id) const { return nodes_[id].depth; }
  size_t size() const { return nodes_.size(); }

  // Frames of a stack, outermost caller first.
  std::vector<FrameId> frames_root_first(StackId id) const {
    std::vector<FrameId> out(depth(id));
    for (size_t i = out.size(); i > 0; --i, id = parent(id)) out[i - 1] = frame(id);
    return out;
  }

 private:
  struct Node {
    StackId parent;
    FrameId frame;
    uint32_t depth;
  };
  static uint64_t key_hash(StackId parent, FrameId frame) { return mix64((uint64_t{parent} << 32) | frame); }

  std::vector<Node> nodes_;
  IdIndex index_;
};

}  // namespace lambdascope::profile
