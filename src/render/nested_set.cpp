#include "render/nested_set.hpp"

#include <algorithm>
#include <functional>

#include "text/json_writer.hpp"

namespace lambdascope::render {

std::vector<NestedSetRow> prune_nested_set(const std::vector<NestedSetNode>& tree,
                                           const std::vector<std::string>& labels, uint32_t other_label,
                                           size_t max_nodes) {
  if (tree.empty()) return {};
  // Keep the heaviest nodes, best first, while the rows (kept nodes plus one "other" row per parent with
  // children left out) fit in max_nodes.
  max_nodes = std::max<size_t>(max_nodes, 1);
  std::vector<bool> kept(tree.size(), false);
  std::vector<uint32_t> left_out(tree.size(), 0);  // children not kept, per node
  for (size_t i = 0; i < tree.size(); ++i) left_out[i] = static_cast<uint32_t>(tree[i].children.size());
  auto heavier = [&](uint32_t a, uint32_t b) { return tree[a].value < tree[b].value; };
  std::vector<uint32_t> heap;
  kept[0] = true;
  size_t rows = 1 + (left_out[0] > 0 ? 1 : 0);
  for (uint32_t c : tree[0].children) heap.push_back(c);
  std::make_heap(heap.begin(), heap.end(), heavier);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), heavier);
    uint32_t n = heap.back();
    heap.pop_back();
    uint32_t p = tree[n].parent;
    size_t next = rows + 1 + (left_out[n] > 0 ? 1 : 0) - (left_out[p] == 1 ? 1 : 0);
    if (next > max_nodes) break;
    rows = next;
    kept[n] = true;
    --left_out[p];
    for (uint32_t c : tree[n].children) {
      heap.push_back(c);
      std::push_heap(heap.begin(), heap.end(), heavier);
    }
  }

  // Depth-first pre-order, heaviest child first; the "other" row of a parent after its kept children.
  std::vector<NestedSetRow> out;
  std::function<void(uint32_t)> emit = [&](uint32_t n) {
    const NestedSetNode& t = tree[n];
    out.push_back({t.level, t.value, t.self, labels[t.label]});
    std::vector<uint32_t> children;
    double rest = 0;
    for (uint32_t c : t.children) {
      if (kept[c])
        children.push_back(c);
      else
        rest += tree[c].value;
    }
    std::sort(children.begin(), children.end(), [&](uint32_t a, uint32_t b) {
      return tree[a].value != tree[b].value ? tree[a].value > tree[b].value
                                            : labels[tree[a].label] < labels[tree[b].label];
    });
    for (uint32_t c : children) emit(c);
    if (left_out[n] > 0) out.push_back({t.level + 1, rest, rest, labels[other_label]});
  };
  emit(0);
  return out;
}

std::vector<NestedSetRow> nested_set_of(const profile::Profile& p, size_t value_index, size_t max_nodes) {
  profile::CallTreeOptions o;
  o.value_index = value_index;
  o.group_by_thread_name = true;
  profile::CallTree ct = profile::CallTree::build(p, o);
  std::vector<std::string> labels{"total", "other"};
  std::vector<NestedSetNode> tree(ct.size());
  for (uint32_t i = 0; i < ct.size(); ++i) {
    const profile::CallTreeNode& n = ct.node(i);
    NestedSetNode& t = tree[i];
    t.parent = n.parent;
    t.level = n.depth;
    t.self = n.self;
    t.value = n.total;
    t.children = n.children;
    if (i == 0) continue;
    labels.emplace_back(n.frame != profile::FrameTable::kAbsent ? p.frame_name(n.frame) : p.strings[n.group]);
    t.label = static_cast<uint32_t>(labels.size() - 1);
  }
  return prune_nested_set(tree, labels, 1, max_nodes);
}

std::string nested_set_json(const std::vector<NestedSetRow>& rows) {
  std::string out;
  text::JsonWriter w(out);
  w.begin_array();
  for (const NestedSetRow& r : rows) {
    w.begin_object();
    w.key("level");
    w.integer(r.level);
    w.key("value");
    w.number(r.value);
    w.key("self");
    w.number(r.self);
    w.key("label");
    w.string(r.label);
    w.end_object();
  }
  w.end_array();
  return out;
}

}  // namespace lambdascope::render
