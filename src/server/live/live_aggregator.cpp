#include "server/live/live_aggregator.hpp"

#include "render/nested_set.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "server/live/label_value.hpp"

namespace lambdascope::live {

namespace {

constexpr std::string_view kOtherLabel = "other";
constexpr std::string_view kUnknownFrame = "[unknown]";
constexpr uint32_t kOtherFunction = 1;
constexpr double kFirstChoiceDelayS = 5;  // functions_ id of "[other]" (0 is the empty string)

uint64_t entry_key(uint32_t thread, NodeId node) {
  return (uint64_t{thread} << 32) | node;
}

// Sums values by label (two ids can share a cut label, and a real function may be named "other"), sorted.
std::vector<LabeledValue> by_label(const std::vector<LabeledValue>& in) {
  std::map<std::string, double> sums;
  for (const LabeledValue& v : in) sums[v.label] += v.value;
  std::vector<LabeledValue> out;
  for (auto& [label, value] : sums) out.push_back({label, value});
  return out;
}

}  // namespace

LiveAggregator::LiveAggregator(const LiveOptions& options)
    : options_(options),
      stacks_(options.max_stacks),
      node_self_ns_(stacks_.size(), 0),
      top_functions_(std::min(options.metrics_top, kMaxMetricsTop), options.window_s),
      top_stacks_(std::min(options.metrics_stacks, kMaxMetricsStacks), options.window_s) {
  functions_.intern(StackTable::kOtherName);
  function_counters_.resize(functions_.size());
}

LiveAggregator::Bucket& LiveAggregator::bucket_at(double now_s) {
  auto second = static_cast<int64_t>(std::floor(now_s));
  // A clock that steps back keeps filling the newest bucket.
  if (buckets_.empty() || buckets_.back().second < second) {
    if (!buckets_.empty()) {
      buckets_.back().entries.shrink_to_fit();
      buckets_.back().function_self.shrink_to_fit();
    }
    open_entries_.clear();
    open_functions_.clear();
    buckets_.emplace_back();
    buckets_.back().second = second;
  }
  while (buckets_.front().second <= buckets_.back().second - options_.history_s) buckets_.pop_front();
  return buckets_.back();
}

uint32_t LiveAggregator::function_id(std::string_view frame_name) {
  std::string label = cut_label(frame_name.empty() ? kUnknownFrame : frame_name);
  uint32_t id = functions_.find(label);
  if (id != profile::StringTable::kAbsent) return id;
  if (functions_.size() >= options_.max_functions + 1) return kOtherFunction;
  id = functions_.intern(label);
  function_counters_.resize(functions_.size());
  return id;
}

uint32_t LiveAggregator::thread_id(std::string_view name) {
  std::string label = cut_label(name.empty() ? kUnknownFrame : name);
  auto it = thread_ids_.find(label);
  if (it != thread_ids_.end()) return it->second;
  if (threads_.size() >= options_.max_threads) label = kOtherLabel;
  auto [other, inserted] = thread_ids_.try_emplace(label, static_cast<uint32_t>(threads_.size()));
  if (inserted) threads_.push_back({label, 0});
  return other->second;
}

void LiveAggregator::add(const profile::Profile& batch, double now_s) {
  size_t ns_index = SIZE_MAX, count_index = SIZE_MAX, cpu_index = SIZE_MAX;
  for (size_t i = 0; i < batch.meta.sample_types.size(); ++i) {
    const profile::ValueType& t = batch.meta.sample_types[i];
    if (t.unit == "nanoseconds" && ns_index == SIZE_MAX) ns_index = i;
    if (t.type == "samples" && count_index == SIZE_MAX) count_index = i;
    // Per-thread CPU seconds: the cpu column (cpu mode, or wall samples' CPU time), never wall time.
    if (t.type == "cpu" && t.unit == "nanoseconds" && cpu_index == SIZE_MAX) cpu_index = i;
  }
  if (ns_index == SIZE_MAX) return;  // nothing to count time with
  std::string mode = batch.meta.sample_types[ns_index].type;

  std::lock_guard lock(mu_);
  // The top sets are chosen as data arrives, not when someone scrapes: before the first choice every sample
  // counts as `other`, so the earlier it is made the less `other` holds that a named series holds too.
  choose_top(now_s);
  if (std::isnan(first_sample_s_) && batch.num_samples() > 0) first_sample_s_ = now_s;
  mode_ = mode;
  if (batch.meta.period > 0) period_ns_ = batch.meta.period;
  Bucket& bucket = bucket_at(now_s);
  double& mode_samples = samples_by_mode_[mode];
  // Stack ids of the batch mapped to table nodes, memoized: a batch has few distinct stacks.
  std::vector<NodeId> node_of(batch.stacks.size(), StackTable::kAbsent - 1);
  node_of[profile::StackTrie::kRoot] = StackTable::kRoot;
  std::vector<profile::StackId> pending;
  std::function<NodeId(profile::StackId)> map_stack = [&](profile::StackId id) {
    for (profile::StackId s = id; node_of[s] == StackTable::kAbsent - 1; s = batch.stacks.parent(s))
      pending.push_back(s);
    while (!pending.empty()) {
      profile::StackId s = pending.back();
      pending.pop_back();
      NodeId parent = node_of[batch.stacks.parent(s)];
      node_of[s] = parent == StackTable::kAbsent
                       ? StackTable::kAbsent
                       : stacks_.child(parent, batch.frame_name(batch.stacks.frame(s)));
    }
    return node_of[id];
  };

  for (size_t i = 0; i < batch.num_samples(); ++i) {
    double ns = batch.value(i, ns_index);
    double count = count_index == SIZE_MAX ? 1 : batch.value(i, count_index);
    if (!(ns > 0) && !(count > 0)) continue;
    mode_samples += count;
    profile::StackId stack = batch.samples.stack[i];
    uint32_t thread = thread_id(batch.strings[batch.samples.thread_name[i]]);
    if (cpu_index != SIZE_MAX) threads_[thread].ns += batch.value(i, cpu_index);

    // Functions: self for the leaf, total once per function on the stack.
    ++stamp_;
    bool named_on_stack = false;
    uint32_t leaf = function_id(
        stack == profile::StackTrie::kRoot ? kUnknownFrame : batch.frame_name(batch.stacks.frame(stack)));
    for (profile::StackId s = stack;; s = batch.stacks.parent(s)) {
      uint32_t f =
          s == profile::StackTrie::kRoot ? leaf : function_id(batch.frame_name(batch.stacks.frame(s)));
      FunctionCounters& c = function_counters_[f];
      if (c.stamp != stamp_) {
        c.stamp = stamp_;
        c.total_ns += ns;
        named_on_stack = named_on_stack || top_functions_.contains(f);
      }
      if (s == profile::StackTrie::kRoot) break;
    }
    function_counters_[leaf].self_ns += ns;
    if (!top_functions_.contains(leaf)) other_self_ns_ += ns;
    if (!named_on_stack) other_total_ns_ += ns;
    auto [fn_row, fn_new] =
        open_functions_.try_emplace(leaf, static_cast<uint32_t>(bucket.function_self.size()));
    if (fn_new) bucket.function_self.emplace_back(leaf, 0);
    bucket.function_self[fn_row->second].second += ns;

    // The stack table, or the thread's [other] when it is full.
    NodeId node = map_stack(stack);
    if (node == StackTable::kAbsent) {
      node = StackTable::kOther;
      folded_samples_ += static_cast<uint64_t>(std::max(count, 1.0));
    }
    if (node_self_ns_.size() < stacks_.size()) node_self_ns_.resize(stacks_.size(), 0);
    node_self_ns_[node] += ns;
    if (!top_stacks_.contains(node)) other_stack_ns_ += ns;
    auto [it, inserted] =
        open_entries_.try_emplace(entry_key(thread, node), static_cast<uint32_t>(bucket.entries.size()));
    if (inserted) bucket.entries.push_back({thread, node, 0, 0});
    bucket.entries[it->second].count += count;
    bucket.entries[it->second].ns += ns;
  }
}

void LiveAggregator::set_dropped(std::string_view reason, uint64_t total) {
  std::lock_guard lock(mu_);
  auto it = dropped_.find(reason);
  if (it == dropped_.end())
    dropped_.emplace(std::string(reason), total);
  else
    it->second = std::max(it->second, total);
}

void LiveAggregator::choose_top(double now_s) {
  // The first choice waits for a few seconds of samples: the first moments of a program (start-up, a JIT
  // warming up) say little about where it will spend its time, and the choice then holds for a window.
  if (std::isnan(first_sample_s_) ||
      now_s < first_sample_s_ + std::min(kFirstChoiceDelayS, options_.window_s))
    return;
  double from = now_s - options_.window_s;
  if (top_functions_.due(now_s)) {
    std::unordered_map<uint32_t, double> self;
    for (const Bucket& b : buckets_)
      if (b.second + 1 > from)
        for (const auto& [f, ns] : b.function_self) self[f] += ns;
    top_functions_.update(now_s, {self.begin(), self.end()});
  }
  if (top_stacks_.due(now_s)) {
    std::unordered_map<uint32_t, double> self;
    for (const Bucket& b : buckets_)
      if (b.second + 1 > from)
        for (const Entry& e : b.entries) self[e.node] += e.ns;
    top_stacks_.update(now_s, {self.begin(), self.end()});
  }
}

std::string LiveAggregator::stack_label(NodeId node) const {
  std::string joined;
  for (std::string_view name : stacks_.path(node)) {
    if (!joined.empty()) joined += ';';
    joined += name;
  }
  return cut_stack_label(joined);
}

MetricsSnapshot LiveAggregator::metrics(double now_s) {
  std::lock_guard lock(mu_);
  choose_top(now_s);
  MetricsSnapshot m;
  for (const auto& [mode, n] : samples_by_mode_) m.samples_by_mode.push_back({mode, n});
  if (m.samples_by_mode.empty()) m.samples_by_mode.push_back({mode_, 0});
  std::vector<LabeledValue> dropped;
  for (const auto& [reason, n] : dropped_) dropped.push_back({reason, static_cast<double>(n)});
  dropped.push_back({"stack_table_full", static_cast<double>(folded_samples_)});
  m.dropped_by_reason = by_label(dropped);
  std::vector<LabeledValue> threads;
  for (const ThreadCounters& t : threads_) threads.push_back({t.name, t.ns / 1e9});
  m.seconds_by_thread = by_label(threads);

  std::vector<LabeledValue> self, total;
  for (uint32_t f : top_functions_.members()) {
    std::string label(functions_[f]);
    self.push_back({label, function_counters_[f].self_ns / 1e9});
    total.push_back({label, function_counters_[f].total_ns / 1e9});
  }
  self.push_back({std::string(kOtherLabel), other_self_ns_ / 1e9});
  total.push_back({std::string(kOtherLabel), other_total_ns_ / 1e9});
  m.function_self_seconds = by_label(self);
  m.function_total_seconds = by_label(total);
  if (options_.metrics_stacks > 0) {
    std::vector<LabeledValue> stacks;
    for (uint32_t node : top_stacks_.members())
      stacks.push_back({stack_label(node), node_self_ns_[node] / 1e9});
    stacks.push_back({std::string(kOtherLabel), other_stack_ns_ / 1e9});
    m.stack_self_seconds = by_label(stacks);
  }
  return m;
}

std::vector<const LiveAggregator::Entry*> LiveAggregator::entries_between(double from_s, double to_s) const {
  std::vector<const Entry*> out;
  for (const Bucket& b : buckets_)
    if (b.second >= std::floor(from_s) && b.second < to_s)
      for (const Entry& e : b.entries) out.push_back(&e);
  return out;
}

profile::Profile LiveAggregator::window_profile(double from_s, double to_s) const {
  std::lock_guard lock(mu_);
  profile::Profile p;
  p.meta.sample_types = {{"samples", "count"}, {mode_, "nanoseconds"}};
  p.meta.default_sample_type = 1;
  p.meta.period_type = {mode_, "nanoseconds"};
  p.meta.period = period_ns_;
  // The window is whole buckets: it starts at the second `from_s` falls in.
  p.meta.time_nanos = static_cast<int64_t>(std::floor(from_s) * 1e9);
  p.meta.duration_ns = static_cast<int64_t>((to_s - std::floor(from_s)) * 1e9);
  p.meta.set_attribute(profile::attr::kSourceFormat, "lambdascope-live");
  p.meta.set_attribute(profile::attr::kEvent, mode_);

  std::unordered_map<NodeId, profile::StackId> stack_of{{StackTable::kRoot, profile::StackTrie::kRoot}};
  std::function<profile::StackId(NodeId)> to_stack = [&](NodeId node) -> profile::StackId {
    auto it = stack_of.find(node);
    if (it != stack_of.end()) return it->second;
    profile::StackId parent = to_stack(stacks_.parent(node));
    profile::StackId s = p.stacks.push(parent, p.intern_frame(stacks_.name(node)));
    stack_of.emplace(node, s);
    return s;
  };
  // Entries are already summed per (thread, node) within a bucket; sum across buckets too.
  std::unordered_map<uint64_t, size_t> sample_of;
  for (const Entry* e : entries_between(from_s, to_s)) {
    auto [it, inserted] = sample_of.try_emplace(entry_key(e->thread, e->node), p.num_samples());
    if (inserted) {
      double values[2] = {0, 0};
      profile::SampleRow row;
      row.stack = to_stack(e->node);
      row.values = values;
      row.thread_name = p.intern(threads_[e->thread].name);
      p.add_sample(row);
    }
    p.samples.values[it->second * 2] += e->count;
    p.samples.values[it->second * 2 + 1] += e->ns;
  }
  return p;
}

std::vector<render::NestedSetRow> LiveAggregator::nested_set(double from_s, double to_s,
                                                             size_t max_nodes) const {
  std::vector<std::string> labels{"total", "other"};
  std::vector<render::NestedSetNode> tree{{0, 0, 0, 0, 0, {}}};
  {
    std::lock_guard lock(mu_);
    std::map<std::pair<uint32_t, uint32_t>, uint32_t> child_of;  // (parent, label) -> tree node
    std::unordered_map<uint32_t, uint32_t> thread_label, name_label;
    auto child = [&](uint32_t parent, uint32_t label) {
      auto [it, inserted] = child_of.try_emplace({parent, label}, static_cast<uint32_t>(tree.size()));
      if (inserted) {
        tree.push_back({label, parent, tree[parent].level + 1, 0, 0, {}});
        tree[parent].children.push_back(it->second);
      }
      return it->second;
    };
    std::unordered_map<uint64_t, uint32_t> tree_of;  // (thread, node) -> tree node
    std::function<uint32_t(uint32_t, NodeId)> place = [&](uint32_t thread, NodeId node) -> uint32_t {
      auto it = tree_of.find(entry_key(thread, node));
      if (it != tree_of.end()) return it->second;
      uint32_t t;
      if (node == StackTable::kRoot) {
        auto [l, inserted] = thread_label.try_emplace(thread, static_cast<uint32_t>(labels.size()));
        if (inserted) labels.push_back(threads_[thread].name);
        t = child(0, l->second);
      } else {
        uint32_t parent =
            place(thread, node == StackTable::kOther ? StackTable::kRoot : stacks_.parent(node));
        auto [l, inserted] =
            name_label.try_emplace(stacks_.name_id(node), static_cast<uint32_t>(labels.size()));
        if (inserted) labels.emplace_back(stacks_.name(node));
        t = child(parent, l->second);
      }
      tree_of.emplace(entry_key(thread, node), t);
      return t;
    };
    for (const Entry* e : entries_between(from_s, to_s)) tree[place(e->thread, e->node)].self += e->ns;
  }
  // Inclusive values: children come after their parent in `tree`.
  for (size_t i = tree.size(); i-- > 1;) {
    tree[i].value += tree[i].self;
    tree[tree[i].parent].value += tree[i].value;
  }
  tree[0].value += tree[0].self;

  return render::prune_nested_set(tree, labels, 1, max_nodes);
}

size_t LiveAggregator::stack_count() const {
  std::lock_guard lock(mu_);
  return stacks_.size();
}

uint64_t LiveAggregator::folded_samples() const {
  std::lock_guard lock(mu_);
  return folded_samples_;
}

}  // namespace lambdascope::live
