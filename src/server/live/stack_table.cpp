#include "server/live/stack_table.hpp"

#include <algorithm>

namespace lambdascope::live {

namespace {
uint64_t node_hash(NodeId parent, uint32_t name) {
  return profile::mix64((uint64_t{parent} << 32) | name);
}
}  // namespace

StackTable::StackTable(size_t capacity) : capacity_(std::max<size_t>(capacity, 2)) {
  nodes_.push_back({kRoot, names_.intern("")});
  nodes_.push_back(
      {kRoot, names_.intern(kOtherName)});  // not indexed: a real frame named "[other]" stays apart
}

NodeId StackTable::child(NodeId parent, std::string_view name) {
  uint32_t name_id = names_.find(name);
  auto same = [&](uint32_t i) { return nodes_[i].parent == parent && nodes_[i].name == name_id; };
  if (name_id != profile::StringTable::kAbsent) {
    NodeId found = index_.find(node_hash(parent, name_id), same);
    if (found != kAbsent) return found;
  }
  if (full()) return kAbsent;
  name_id = names_.intern(name);
  auto next = static_cast<NodeId>(nodes_.size());
  index_.find_or_insert(node_hash(parent, name_id), same, next);
  nodes_.push_back({parent, name_id});
  return next;
}

std::vector<std::string_view> StackTable::path(NodeId id) const {
  std::vector<std::string_view> out;
  for (; id != kRoot; id = nodes_[id].parent) out.push_back(names_[nodes_[id].name]);
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace lambdascope::live
