// The live stack table: a trie of frame names with a fixed capacity. A program can produce call paths without
// end (recursion, JIT), so once the table is full a new path is not added: its samples go to the `[other]`
// node (kOther), which the thread key keeps per thread, and are counted. Memory therefore levels off.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "profile/hash.hpp"
#include "profile/string_table.hpp"

namespace lambdascope::live {

using NodeId = uint32_t;

class StackTable {
 public:
  static constexpr NodeId kRoot = 0;
  static constexpr NodeId kOther = 1;  // "[other]": stacks that did not fit
  static constexpr NodeId kAbsent = profile::IdIndex::kAbsent;
  static constexpr std::string_view kOtherName = "[other]";

  explicit StackTable(size_t capacity);

  // The child of `parent` named `name`, added when there is room; kAbsent when the table is full.
  NodeId child(NodeId parent, std::string_view name);

  NodeId parent(NodeId id) const { return nodes_[id].parent; }
  std::string_view name(NodeId id) const { return names_[nodes_[id].name]; }
  uint32_t name_id(NodeId id) const { return nodes_[id].name; }
  std::string_view name_of(uint32_t name_id) const { return names_[name_id]; }
  size_t size() const { return nodes_.size(); }
  bool full() const { return nodes_.size() >= capacity_; }
  // Names root first.
  std::vector<std::string_view> path(NodeId id) const;

 private:
  struct Node {
    NodeId parent;
    uint32_t name;
  };
  size_t capacity_;
  profile::StringTable names_;
  std::vector<Node> nodes_;
  profile::IdIndex index_;
};

}  // namespace lambdascope::live
