#include "formats/v8_profile.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "formats/parse_error.hpp"
#include "profile/sample_aggregator.hpp"

namespace lambdascope::formats {

using profile::FrameKind;
using profile::kNoTime;
using profile::StackId;
using profile::StackTrie;

void set_v8_metadata(profile::Metadata& meta) {
  meta.sample_types = {{"samples", "count"}, {"wall", "nanoseconds"}};
  meta.default_sample_type = 0;
  meta.period_type = {"wall", "nanoseconds"};
  meta.set_attribute(profile::attr::kTimeClock, "v8");
}

int64_t read_v8_micros(JsonDocument& doc, od::value v, const JsonPath& path) {
  double us = doc.number(v, path);
  double ns = std::round(us * 1000.0);
  if (!(std::fabs(ns) < 9.2e18)) doc.fail_at(v, path, "time " + doc.excerpt_of(v) + " µs is out of range");
  // Integers up to 2^53 µs (285 years) are exact in a double, so this loses nothing V8 writes.
  return static_cast<int64_t>(ns);
}

void V8ProfileBuilder::add_node(int64_t id, int64_t parent_id, const V8CallFrame& frame, int64_t hit_count,
                                uint64_t offset, const JsonPath& where) {
  auto [it, inserted] = index_of_.try_emplace(id, static_cast<uint32_t>(nodes_.size()));
  if (!inserted)
    doc_.fail(offset, where,
              "node id " + std::to_string(id) + " was already defined at " + nodes_[it->second].where);
  if (hit_count < 0) doc_.fail(offset, where, "hitCount is negative");
  bool js = frame.code_type.empty() ? frame.in_script || !frame.url.empty() : frame.code_type == "JS";
  uint32_t line =
      frame.line < 0 ? 0 : static_cast<uint32_t>(std::min<int64_t>(frame.line, UINT32_MAX - 1) + 1);
  std::string_view name = frame.function_name.empty() ? std::string_view("(anonymous)") : frame.function_name;
  nodes_.push_back({id, parent_id, name, frame.url, js ? FrameKind::kJit : FrameKind::kNative, line,
                    frame.function_name == "(root)", kNone, offset, where.str()});
  hit_counts_.push_back(hit_count);
}

void V8ProfileBuilder::add_child(int64_t parent_id, int64_t child_id, uint64_t offset,
                                 const JsonPath& where) {
  links_.push_back({parent_id, child_id, offset, where.str()});
}

void V8ProfileBuilder::begin_chunk(double order, uint64_t offset, const JsonPath& where) {
  chunks_.push_back({order, samples_.size(), deltas_.size(), times_.size(), offset, where.str()});
}

void V8ProfileBuilder::add_sample(int64_t node_id, uint64_t offset, const JsonPath& where) {
  auto it = index_of_.find(node_id);
  if (it != index_of_.end()) {
    samples_.push_back(it->second);
  } else {
    // Chrome may define a node in a later chunk than one that uses it; decide at build().
    unresolved_.push_back({samples_.size(), node_id, offset, where.str()});
    samples_.push_back(kNone);
  }
}

void V8ProfileBuilder::link_parents() {
  for (Node& n : nodes_) {
    if (n.parent_id < 0) continue;
    auto it = index_of_.find(n.parent_id);
    if (it == index_of_.end())
      doc_.fail(n.offset, JsonPath(n.where),
                "parent node id " + std::to_string(n.parent_id) + " is not among the profile's nodes");
    n.parent = it->second;
  }
  for (const Link& l : links_) {
    auto parent = index_of_.find(l.parent_id);
    auto child = index_of_.find(l.child_id);
    if (child == index_of_.end())
      doc_.fail(l.offset, JsonPath(l.where),
                "child node id " + std::to_string(l.child_id) + " is not among the profile's nodes");
    if (parent == index_of_.end())  // cannot happen for lists read inside their node; kept for safety
      doc_.fail(l.offset, JsonPath(l.where), "node id " + std::to_string(l.parent_id) + " is not defined");
    Node& c = nodes_[child->second];
    if (c.parent != kNone && c.parent != parent->second)
      doc_.fail(l.offset, JsonPath(l.where),
                "node " + std::to_string(l.child_id) + " has two parents, " +
                    std::to_string(nodes_[c.parent].id) + " and " + std::to_string(l.parent_id));
    c.parent = parent->second;
  }
}

void V8ProfileBuilder::check_acyclic() {
  enum : uint8_t { kUnvisited, kOnPath, kDone };
  std::vector<uint8_t> state(nodes_.size(), kUnvisited);
  // Iterative: call trees can be thousands of frames deep, and garbage can link parents in a cycle.
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    walk_.clear();
    for (uint32_t j = i; j != kNone && state[j] != kDone; j = nodes_[j].parent) {
      if (state[j] == kOnPath)
        doc_.fail(
            nodes_[j].offset, JsonPath(nodes_[j].where),
            "node " + std::to_string(nodes_[j].id) + " is its own ancestor (the parent links form a cycle)");
      state[j] = kOnPath;
      walk_.push_back(j);
    }
    for (uint32_t j : walk_) state[j] = kDone;
  }
}

StackId V8ProfileBuilder::stack_of(uint32_t node) {
  constexpr StackId kUnknown = UINT32_MAX;
  if (stacks_.empty()) stacks_.assign(nodes_.size(), kUnknown);
  if (stacks_[node] != kUnknown) return stacks_[node];
  walk_.clear();
  uint32_t j = node;
  for (; j != kNone && stacks_[j] == kUnknown; j = nodes_[j].parent) walk_.push_back(j);
  StackId base = j == kNone ? StackTrie::kRoot : stacks_[j];
  for (size_t k = walk_.size(); k > 0; --k) {
    const Node& n = nodes_[walk_[k - 1]];
    // The parentless "(root)" is where V8 hangs everything; it is not a function.
    if (!(n.root_marker && n.parent == kNone))
      base = out_.stacks.push(base, out_.intern_frame(n.name, n.url, n.kind, n.url, n.line));
    stacks_[walk_[k - 1]] = base;
  }
  return base;
}

V8BuildResult V8ProfileBuilder::build(const V8Thread& thread, bool aggregate) {
  link_parents();
  check_acyclic();
  for (const Unresolved& u : unresolved_) {
    auto it = index_of_.find(u.id);
    if (it == index_of_.end())
      doc_.fail(u.offset, JsonPath(u.where),
                "node id " + std::to_string(u.id) + " is not among the profile's nodes");
    samples_[u.sample] = it->second;
  }

  std::optional<profile::SampleAggregator> agg;
  if (aggregate) agg.emplace(out_, profile::AggregateKeys{});
  V8BuildResult result;
  auto emit = [&](StackId stack, double count, double wall, int64_t time) {
    double values[2] = {count, wall};
    profile::SampleRow row;
    row.stack = stack;
    row.values = values;
    row.time_ns = time;
    row.pid = thread.pid;
    row.tid = thread.tid;
    row.thread_name = thread.thread_name;
    if (agg) {
      agg->add(row);
    } else {
      out_.add_sample(row);
    }
    ++result.samples;
  };
  auto widen = [&](int64_t t) {
    if (t == kNoTime) return;
    if (result.first_ns == kNoTime || t < result.first_ns) result.first_ns = t;
    if (result.last_ns == kNoTime || t > result.last_ns) result.last_ns = t;
  };
  widen(start_ns_);
  widen(end_ns_);

  if (use_hit_counts_) {
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (hit_counts_[i] > 0)
        emit(stack_of(static_cast<uint32_t>(i)), static_cast<double>(hit_counts_[i]), 0, kNoTime);
    return result;
  }

  // Samples in chunk order (stable by the chunks' event times), then the time of each.
  if (chunks_.empty()) chunks_.push_back({0, 0, 0, 0, 0, ""});
  const size_t n_chunks = chunks_.size();
  auto chunk_end = [&](size_t c, auto member, size_t total) {
    return c + 1 < n_chunks ? chunks_[c + 1].*member : total;
  };
  bool has_deltas = !deltas_.empty(), has_times = !times_.empty();
  for (size_t c = 0; c < n_chunks; ++c) {
    size_t ns = chunk_end(c, &Chunk::samples_begin, samples_.size()) - chunks_[c].samples_begin;
    size_t nd = chunk_end(c, &Chunk::deltas_begin, deltas_.size()) - chunks_[c].deltas_begin;
    size_t nt = chunk_end(c, &Chunk::times_begin, times_.size()) - chunks_[c].times_begin;
    JsonPath where(chunks_[c].where);
    if (has_deltas && nd != ns)
      doc_.fail(chunks_[c].offset, where,
                "timeDeltas has " + std::to_string(nd) + " entries but samples has " + std::to_string(ns) +
                    " (one time delta per sample)");
    if (has_times && nt != ns && nt != ns + 1)
      doc_.fail(chunks_[c].offset, where,
                "timestamps has " + std::to_string(nt) + " entries but samples has " + std::to_string(ns) +
                    " (one per sample, optionally preceded by the start time)");
  }
  std::vector<size_t> chunk_order(n_chunks);
  std::iota(chunk_order.begin(), chunk_order.end(), 0);
  std::stable_sort(chunk_order.begin(), chunk_order.end(),
                   [&](size_t a, size_t b) { return chunks_[a].order < chunks_[b].order; });
  std::vector<size_t> order;  // sample indices in time-series order
  order.reserve(samples_.size());
  std::vector<int64_t> time(samples_.size(), kNoTime);
  int64_t t = start_ns_;
  if (has_deltas && t == kNoTime)
    doc_.fail(chunks_[0].offset, JsonPath(chunks_[0].where),
              "startTime is missing (sample times are relative to it)");
  for (size_t c : chunk_order) {
    size_t s0 = chunks_[c].samples_begin, s1 = chunk_end(c, &Chunk::samples_begin, samples_.size());
    size_t t0 = chunks_[c].times_begin, nt = chunk_end(c, &Chunk::times_begin, times_.size()) - t0;
    if (has_times && nt == s1 - s0 + 1) ++t0;  // the first timestamp is the start time
    for (size_t s = s0; s < s1; ++s) {
      order.push_back(s);
      if (has_deltas) {
        if (__builtin_add_overflow(t, deltas_[chunks_[c].deltas_begin + (s - s0)], &t))
          doc_.fail(chunks_[c].offset, JsonPath(chunks_[c].where),
                    "sample times overflow (absurd timeDeltas)");
        time[s] = t;
      } else if (has_times) {
        time[s] = times_[t0 + (s - s0)];
      }
      widen(time[s]);
    }
  }

  // Wall weight: the time to the next sample in time order; the last one runs until endTime.
  std::vector<double> wall(samples_.size(), 0);
  if (has_deltas || has_times) {
    std::vector<size_t> by_time = order;
    std::stable_sort(by_time.begin(), by_time.end(), [&](size_t a, size_t b) { return time[a] < time[b]; });
    std::vector<int64_t> intervals;
    intervals.reserve(by_time.size());
    for (size_t k = 0; k + 1 < by_time.size(); ++k) {
      // Differences of in-range times can still overflow int64 for garbage input; compute in double.
      double d = static_cast<double>(time[by_time[k + 1]]) - static_cast<double>(time[by_time[k]]);
      wall[by_time[k]] = d;
      if (d > 0) intervals.push_back(static_cast<int64_t>(d));
    }
    if (!by_time.empty() && end_ns_ != kNoTime && end_ns_ > time[by_time.back()])
      wall[by_time.back()] = static_cast<double>(end_ns_) - static_cast<double>(time[by_time.back()]);
    if (!intervals.empty()) {
      auto mid = intervals.begin() + static_cast<ptrdiff_t>(intervals.size() / 2);
      std::nth_element(intervals.begin(), mid, intervals.end());
      result.median_interval_ns = *mid;
    }
  }
  for (size_t s : order) emit(stack_of(samples_[s]), 1, wall[s], time[s]);
  return result;
}

}  // namespace lambdascope::formats

namespace lambdascope::formats {

namespace {

// scriptId is a string in the protocol ("0", "164") and a number in older files.
bool nonzero_script_id(JsonDocument& doc, od::value v, const JsonPath& path) {
  od::json_type t;
  if (!v.type().get(t) && t == od::json_type::number) return doc.integer(v, path) != 0;
  if (JsonDocument::is_null(v)) return false;
  std::string_view s = doc.string(v, path);
  return !s.empty() && s != "0";
}

std::string_view optional_string(JsonDocument& doc, od::value v, const JsonPath& path) {
  if (JsonDocument::is_null(v)) return {};
  return doc.string(v, path);
}

// A node of the flat form: {"id", "callFrame": {...}, "hitCount", "children": [ids] or "parent": id}.
void read_node(JsonDocument& doc, od::value value, const JsonPath& path, V8ProfileBuilder& b) {
  uint64_t offset = doc.offset_of(value);
  od::object obj = doc.object(value, path);
  bool has_id = false, has_frame = false;
  int64_t id = 0, parent = -1, hits = 0;
  V8CallFrame frame;
  struct Child {
    int64_t id;
    uint64_t offset;
    size_t index;
  };
  std::vector<Child> children;
  doc.for_each_field(obj, path, [&](std::string_view key, od::value v, const JsonPath& p) {
    if (key == "id") {
      id = doc.integer(v, p);
      has_id = true;
    } else if (key == "parent") {
      parent = doc.integer(v, p);
      if (parent < 0) doc.fail_at(v, p, "expected a node id (0 or more), got " + std::to_string(parent));
    } else if (key == "hitCount") {
      hits = doc.integer(v, p);
    } else if (key == "children") {
      doc.for_each_element(doc.array(v, p), p, [&](size_t i, od::value c, const JsonPath& cp) {
        uint64_t at = doc.offset_of(c);
        children.push_back({doc.integer(c, cp), at, i});
      });
    } else if (key == "callFrame") {
      has_frame = true;
      uint64_t frame_offset = doc.offset_of(v);
      bool has_name = false;
      doc.for_each_field(doc.object(v, p), p, [&](std::string_view k, od::value f, const JsonPath& fp) {
        if (k == "functionName") {
          frame.function_name = doc.string(f, fp);
          has_name = true;
        } else if (k == "url") {
          frame.url = optional_string(doc, f, fp);
        } else if (k == "scriptId") {
          frame.in_script = nonzero_script_id(doc, f, fp);
        } else if (k == "lineNumber") {
          frame.line = doc.integer(f, fp);
        } else if (k == "codeType") {
          frame.code_type = optional_string(doc, f, fp);
        }
      });
      if (!has_name) doc.fail(frame_offset, JsonPath(p, "functionName"), "missing (expected a string)");
    }
  });
  if (!has_id) doc.fail(offset, JsonPath(path, "id"), "missing (expected an integer node id)");
  if (!has_frame) doc.fail(offset, JsonPath(path, "callFrame"), "missing (expected an object)");
  b.add_node(id, parent, frame, hits, offset, path);
  JsonPath children_path(path, "children");
  for (const Child& c : children) b.add_child(id, c.id, c.offset, JsonPath(children_path, c.index));
}

// A node of the old tree form: {"functionName", "url", "lineNumber", "scriptId", "hitCount", "id",
// "children": [nodes]}. Recursion depth is bounded by simdjson's nesting limit.
void read_tree_node(JsonDocument& doc, od::value value, const JsonPath& path, int64_t parent,
                    V8ProfileBuilder& b) {
  uint64_t offset = doc.offset_of(value);
  od::object obj = doc.object(value, path);
  od::value v;
  if (!doc.find(obj, "id", path, &v)) doc.fail(offset, JsonPath(path, "id"), "missing (expected an integer)");
  int64_t id = doc.integer(v, JsonPath(path, "id"));
  V8CallFrame frame;
  if (!doc.find(obj, "functionName", path, &v))
    doc.fail(offset, JsonPath(path, "functionName"), "missing (expected a string)");
  frame.function_name = doc.string(v, JsonPath(path, "functionName"));
  if (doc.find(obj, "url", path, &v)) frame.url = optional_string(doc, v, JsonPath(path, "url"));
  if (doc.find(obj, "lineNumber", path, &v)) frame.line = doc.integer(v, JsonPath(path, "lineNumber"));
  if (doc.find(obj, "scriptId", path, &v))
    frame.in_script = nonzero_script_id(doc, v, JsonPath(path, "scriptId"));
  int64_t hits = 0;
  if (doc.find(obj, "hitCount", path, &v)) hits = doc.integer(v, JsonPath(path, "hitCount"));
  b.add_node(id, parent, frame, hits, offset, path);
  if (doc.find(obj, "children", path, &v)) {
    JsonPath children(path, "children");
    doc.for_each_element(doc.array(v, children), children,
                         [&](size_t, od::value c, const JsonPath& cp) { read_tree_node(doc, c, cp, id, b); });
  }
}

}  // namespace

void read_v8_nodes(JsonDocument& doc, od::value nodes, const JsonPath& path, V8ProfileBuilder& b) {
  doc.for_each_element(doc.array(nodes, path), path,
                       [&](size_t, od::value v, const JsonPath& p) { read_node(doc, v, p, b); });
}

void read_v8_samples(JsonDocument& doc, od::value samples, const JsonPath& path, V8ProfileBuilder& b) {
  doc.for_each_element(doc.array(samples, path), path, [&](size_t, od::value v, const JsonPath& p) {
    uint64_t offset = doc.offset_of(v);
    b.add_sample(doc.integer(v, p), offset, p);
  });
}

void read_v8_time_deltas(JsonDocument& doc, od::value deltas, const JsonPath& path, V8ProfileBuilder& b) {
  doc.for_each_element(doc.array(deltas, path), path, [&](size_t, od::value v, const JsonPath& p) {
    b.add_time_delta(read_v8_micros(doc, v, p));
  });
}

void read_v8_profile(JsonDocument& doc, od::value value, const JsonPath& path, double order,
                     V8ProfileBuilder& b) {
  uint64_t offset = doc.offset_of(value);
  od::object obj = doc.object(value, path);
  b.begin_chunk(order, offset, path);
  // Nodes first wherever they are, so samples resolve as they are read.
  od::value v;
  bool tree = doc.find(obj, "head", path, &v);
  if (tree) {
    read_tree_node(doc, v, JsonPath(path, "head"), -1, b);
  } else if (doc.find(obj, "nodes", path, &v)) {
    read_v8_nodes(doc, v, JsonPath(path, "nodes"), b);
  } else {
    doc.fail(offset, JsonPath(path, "nodes"), "missing (expected the array of profile nodes)");
  }
  if (doc.find(obj, "samples", path, &v)) {
    read_v8_samples(doc, v, JsonPath(path, "samples"), b);
  } else {
    b.use_hit_counts();
  }
  // The old form has times in seconds and absolute sample timestamps; the protocol has microseconds.
  auto seconds = [&](od::value t, const JsonPath& p) {
    double s = doc.number(t, p);
    if (!(std::fabs(s) < 9.2e9)) doc.fail_at(t, p, "time " + doc.excerpt_of(t) + " s is out of range");
    return static_cast<int64_t>(std::llround(s * 1e9));
  };
  if (doc.find(obj, "startTime", path, &v)) {
    JsonPath p(path, "startTime");
    b.set_start(tree ? seconds(v, p) : read_v8_micros(doc, v, p));
  }
  if (doc.find(obj, "endTime", path, &v)) {
    JsonPath p(path, "endTime");
    b.set_end(tree ? seconds(v, p) : read_v8_micros(doc, v, p));
  }
  if (doc.find(obj, "timeDeltas", path, &v)) read_v8_time_deltas(doc, v, JsonPath(path, "timeDeltas"), b);
  if (doc.find(obj, "timestamps", path, &v)) {
    JsonPath p(path, "timestamps");
    doc.for_each_element(doc.array(v, p), p, [&](size_t, od::value t, const JsonPath& tp) {
      b.add_time(read_v8_micros(doc, t, tp));
    });
  }
}

}  // namespace lambdascope::formats
