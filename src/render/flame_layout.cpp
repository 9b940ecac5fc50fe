#include "render/flame_layout.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "profile/hash.hpp"
#include "profile/idle.hpp"

namespace lambdascope::render {

namespace {

using profile::FrameKind;
using profile::Profile;
using profile::StackId;
using profile::StringId;

// What a layout node is: type, frame kind and name in one word.
uint64_t node_key(FlameNodeType type, FrameKind kind, StringId name) {
  return (uint64_t{static_cast<uint8_t>(type)} << 40) | (uint64_t{static_cast<uint8_t>(kind)} << 32) | name;
}
FlameNodeType key_type(uint64_t key) {
  return static_cast<FlameNodeType>((key >> 40) & 0xff);
}
FrameKind key_kind(uint64_t key) {
  return static_cast<FrameKind>((key >> 32) & 0xff);
}
StringId key_name(uint64_t key) {
  return static_cast<StringId>(key & 0xffffffffu);
}

uint64_t frame_key(const Profile& p, StackId s) {
  const profile::Frame& f = p.frames[p.stacks.frame(s)];
  return node_key(FlameNodeType::kFrame, f.kind, f.name);
}

// Reads sample weights: the shown value and, in a differential, the base value.
struct Weights {
  const Profile& p;
  size_t value, base;
  bool differential;
  double shown(size_t i) const { return p.value(i, value); }
  double delta(size_t i) const { return differential ? p.value(i, value) - p.value(i, base) : 0; }
};

std::vector<uint8_t> idle_mask(const Profile& p, bool exclude) {
  return exclude ? profile::idle_stacks(p) : std::vector<uint8_t>{};
}

// The path of a sample as node keys, root side first.
void sample_path(const Profile& p, size_t i, const FlameLayoutOptions& o, std::vector<uint64_t>& path) {
  path.clear();
  StringId thread = o.thread_root ? p.samples.thread_name[i] : 0;
  for (StackId s = p.samples.stack[i]; s != profile::StackTrie::kRoot; s = p.stacks.parent(s))
    path.push_back(frame_key(p, s));  // leaf first
  if (!o.reverse) std::reverse(path.begin(), path.end());
  uint64_t thread_key = node_key(FlameNodeType::kThread, FrameKind::kNative, thread);
  if (thread != 0) {
    if (o.reverse) {
      path.push_back(thread_key);
    } else {
      path.insert(path.begin(), thread_key);
    }
  }
}

// --- Merged graphs: a tree of distinct prefixes, children sorted like folded lines. ---

struct Node {
  uint64_t key = 0;
  uint32_t parent = 0;
  double self = 0, self_delta = 0, total = 0;
  double x = 0;
};

class Tree {
 public:
  Tree() { nodes_.emplace_back(); }

  uint32_t child(uint32_t parent, uint64_t key) {
    auto next = static_cast<uint32_t>(nodes_.size());
    bool inserted = false;
    uint32_t id = index_.find_or_insert(
        profile::hash_combine(profile::mix64(key), parent),
        [&](uint32_t n) { return nodes_[n].parent == parent && nodes_[n].key == key; }, next, &inserted);
    if (inserted) {
      Node n;
      n.key = key;
      n.parent = parent;
      nodes_.push_back(n);
    }
    return id;
  }
  std::vector<Node>& nodes() { return nodes_; }

 private:
  std::vector<Node> nodes_;
  profile::IdIndex index_;
};

std::string sort_key(const Profile& p, uint64_t key, bool has_children) {
  std::string k;
  if (key_type(key) == FlameNodeType::kFrame) {
    k = annotated_name(p.strings[key_name(key)], key_kind(key));
  } else {
    k = p.strings[key_name(key)];
  }
  // Folded lines continue a frame with ';' and end a stack with ' ' before the count, so among siblings a
  // name that is a prefix of another sorts by that next character.
  k += has_children ? ';' : ' ';
  return k;
}

FlameLayout layout_merged(const Profile& p, const FlameLayoutOptions& o, const Weights& weights) {
  // Sum per distinct (thread, stack) first, so each stack is walked once.
  struct Entry {
    StringId thread;
    StackId stack;
    double w, delta;
  };
  std::vector<Entry> entries;
  profile::IdIndex index;
  std::vector<uint8_t> idle = idle_mask(p, o.exclude_idle);
  for (size_t i = 0; i < p.num_samples(); ++i) {
    StackId stack = p.samples.stack[i];
    if (!idle.empty() && idle[stack]) continue;
    StringId thread = o.thread_root ? p.samples.thread_name[i] : 0;
    auto next = static_cast<uint32_t>(entries.size());
    bool inserted = false;
    uint32_t e = index.find_or_insert(
        profile::hash_combine(profile::mix64(stack), thread),
        [&](uint32_t k) { return entries[k].stack == stack && entries[k].thread == thread; }, next,
        &inserted);
    if (inserted) entries.push_back({thread, stack, 0, 0});
    entries[e].w += weights.shown(i);
    entries[e].delta += weights.delta(i);
  }

  Tree tree;
  std::vector<uint64_t> path;
  for (const Entry& e : entries) {
    if (e.w == 0 && e.delta == 0) continue;
    path.clear();
    for (StackId s = e.stack; s != profile::StackTrie::kRoot; s = p.stacks.parent(s))
      path.push_back(frame_key(p, s));
    if (!o.reverse) std::reverse(path.begin(), path.end());
    if (e.thread != 0) {
      uint64_t t = node_key(FlameNodeType::kThread, FrameKind::kNative, e.thread);
      if (o.reverse) {
        path.push_back(t);
      } else {
        path.insert(path.begin(), t);
      }
    }
    uint32_t node = 0;
    for (uint64_t key : path) node = tree.child(node, key);
    tree.nodes()[node].self += e.w;
    tree.nodes()[node].self_delta += e.delta;
  }

  std::vector<Node>& nodes = tree.nodes();
  std::vector<uint32_t> child_count(nodes.size(), 0);
  for (size_t n = nodes.size(); n-- > 0;) {  // children have larger ids than parents
    nodes[n].total += nodes[n].self;
    if (n > 0) {
      nodes[nodes[n].parent].total += nodes[n].total;
      ++child_count[nodes[n].parent];
    }
  }

  // Children of each node, contiguous, in folded-line order.
  std::vector<uint32_t> first(nodes.size() + 1, 0);
  for (size_t n = 0; n < nodes.size(); ++n) first[n + 1] = first[n] + child_count[n];
  std::vector<uint32_t> children(nodes.size() > 0 ? nodes.size() - 1 : 0);
  std::vector<uint32_t> fill(first.begin(), first.end() - 1);
  for (uint32_t n = 1; n < nodes.size(); ++n) children[fill[nodes[n].parent]++] = n;
  std::vector<std::string> keys(nodes.size());
  for (uint32_t n = 1; n < nodes.size(); ++n) keys[n] = sort_key(p, nodes[n].key, child_count[n] > 0);
  for (size_t n = 0; n < nodes.size(); ++n) {
    std::sort(children.begin() + first[n], children.begin() + first[n + 1], [&](uint32_t a, uint32_t b) {
      if (keys[a] != keys[b]) return keys[a] < keys[b];
      return nodes[a].key < nodes[b].key;
    });
  }

  FlameLayout layout;
  layout.differential = weights.differential;
  layout.total = nodes[0].total;
  for (const Node& n : nodes) layout.max_abs_delta = std::max(layout.max_abs_delta, std::fabs(n.self_delta));

  // Pre-order walk: a node's own weight first, then its children left to right.
  struct Visit {
    uint32_t node, depth;
  };
  std::vector<Visit> todo = {{0, 0}};
  while (!todo.empty()) {
    Visit v = todo.back();
    todo.pop_back();
    const Node& n = nodes[v.node];
    if (v.node != 0 && (n.total <= 0 || n.total < o.min_width)) continue;  // narrower children follow it out
    FlameRect r;
    r.type = v.node == 0 ? FlameNodeType::kRoot : key_type(n.key);
    r.name = v.node == 0 ? 0 : key_name(n.key);
    r.kind = key_kind(n.key);
    r.depth = v.depth;
    r.x = n.x;
    r.w = n.total;
    r.delta = n.self_delta;
    layout.rects.push_back(r);
    layout.max_depth = std::max(layout.max_depth, v.depth);
    double cursor = n.x + n.self;
    for (uint32_t k = first[v.node]; k < first[v.node + 1]; ++k) {
      nodes[children[k]].x = cursor;
      cursor += nodes[children[k]].total;
    }
    for (uint32_t k = first[v.node + 1]; k-- > first[v.node];) todo.push_back({children[k], v.depth + 1});
  }
  return layout;
}

// --- Flame charts: flamegraph.pl's flow over samples in time order. ---

FlameLayout layout_chart(const Profile& p, const FlameLayoutOptions& o, const Weights& weights) {
  const size_t n = p.num_samples();
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  const auto& times = p.samples.time_ns;
  if (std::none_of(times.begin(), times.end(), [](int64_t t) { return t == profile::kNoTime; }))
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return times[a] < times[b]; });
  std::vector<uint8_t> idle = idle_mask(p, o.exclude_idle);

  FlameLayout layout;
  layout.differential = weights.differential;
  layout.rects.push_back({});
  layout.rects[0].type = FlameNodeType::kRoot;
  std::vector<uint64_t> open_keys;   // keys of the open frames below the root, outermost first
  std::vector<uint32_t> open_rects;  // their rect indices
  std::vector<uint64_t> path;
  double t = 0;
  auto close_to = [&](size_t depth) {
    while (open_keys.size() > depth) {
      FlameRect& r = layout.rects[open_rects.back()];
      r.w = t - r.x;
      open_keys.pop_back();
      open_rects.pop_back();
    }
  };
  for (uint32_t i : order) {
    if (!idle.empty() && idle[p.samples.stack[i]]) continue;
    double w = weights.shown(i);
    if (w == 0) continue;
    sample_path(p, i, o, path);
    size_t same = 0;
    while (same < path.size() && same < open_keys.size() && path[same] == open_keys[same]) ++same;
    close_to(same);
    for (size_t d = same; d < path.size(); ++d) {
      FlameRect r;
      r.type = key_type(path[d]);
      r.kind = key_kind(path[d]);
      r.name = key_name(path[d]);
      r.depth = static_cast<uint32_t>(d + 1);
      r.x = t;
      open_keys.push_back(path[d]);
      open_rects.push_back(static_cast<uint32_t>(layout.rects.size()));
      layout.rects.push_back(r);
    }
    if (!open_rects.empty()) layout.rects[open_rects.back()].delta += weights.delta(i);
    t += w;
  }
  close_to(0);
  layout.rects[0].w = layout.total = t;
  for (const FlameRect& r : layout.rects)
    layout.max_abs_delta = std::max(layout.max_abs_delta, std::fabs(r.delta));
  std::erase_if(layout.rects, [&](const FlameRect& r) {
    return r.type != FlameNodeType::kRoot && (r.w <= 0 || r.w < o.min_width);
  });
  for (const FlameRect& r : layout.rects) layout.max_depth = std::max(layout.max_depth, r.depth);
  return layout;
}

}  // namespace

std::string annotated_name(std::string_view name, FrameKind kind) {
  std::string_view suffix;
  if (kind == FrameKind::kKernel) suffix = "_[k]";
  if (kind == FrameKind::kJit) suffix = "_[j]";
  if (kind == FrameKind::kInlined) suffix = "_[i]";
  std::string out(name);
  if (!suffix.empty() && !name.ends_with(suffix)) out += suffix;
  return out;
}

FlameLayout layout_flame_graph(const Profile& p, const FlameLayoutOptions& o) {
  auto check = [&](size_t index) {
    if (index >= p.num_values())
      throw std::invalid_argument("flame graph: value column " + std::to_string(index) + " does not exist");
  };
  if (p.num_values() == 0) {
    FlameLayout empty;
    empty.rects.push_back({});
    empty.rects[0].type = FlameNodeType::kRoot;
    return empty;
  }
  check(o.value_index);
  if (o.base_index) check(*o.base_index);
  Weights weights{p, o.value_index, o.base_index.value_or(0), o.base_index.has_value()};
  return o.flamechart ? layout_chart(p, o, weights) : layout_merged(p, o, weights);
}

}  // namespace lambdascope::render
