// A call tree as the nested-set table Grafana's flame graph panel reads (through a JSON data source): rows
// {level, value, self, label} in depth-first pre-order, heaviest child first, values in nanoseconds. Pruned
// to a row budget: the heaviest nodes are kept, and each parent's children left out become one "other" row.
// Used by `record --listen` (/flamegraph.json of the live window) and by `serve` (of a stored selection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "profile/call_tree.hpp"

namespace lambdascope::render {

struct NestedSetRow {
  uint32_t level = 0;
  double value = 0;  // inclusive
  double self = 0;
  std::string label;
};

// A tree to prune: node 0 is the root; children come after their parent; `value` is inclusive.
struct NestedSetNode {
  uint32_t label = 0;  // index into the labels
  uint32_t parent = 0;
  uint32_t level = 0;
  double self = 0;
  double value = 0;
  std::vector<uint32_t> children;
};

// At most `max_nodes` rows (at least the root). `labels[other_label]` names the rows of left-out children.
std::vector<NestedSetRow> prune_nested_set(const std::vector<NestedSetNode>& tree,
                                           const std::vector<std::string>& labels, uint32_t other_label,
                                           size_t max_nodes);

// A profile's call tree (value column `value_index`, first level the thread names) as pruned rows; the root
// is "total".
std::vector<NestedSetRow> nested_set_of(const profile::Profile& p, size_t value_index, size_t max_nodes);

std::string nested_set_json(const std::vector<NestedSetRow>& rows);

}  // namespace lambdascope::render
