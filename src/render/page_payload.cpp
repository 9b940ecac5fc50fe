#include "render/page_payload.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "profile/hash.hpp"
#include "profile/idle.hpp"
#include "profile/time_base.hpp"
#include "render/heatmap.hpp"
#include "text/json_writer.hpp"

namespace lambdascope::render {

namespace {

using profile::FrameId;
using profile::kNoTime;
using profile::Profile;
using profile::StackId;
using profile::StringId;
using text::JsonWriter;

constexpr uint32_t kUnused = std::numeric_limits<uint32_t>::max();

std::string_view orientation_name(Orientation o) {
  return o == Orientation::kFlame ? "flame" : "icicle";
}
std::string_view order_name(ChildOrder o) {
  return o == ChildOrder::kWeight ? "weight" : "name";
}
std::string_view color_name(ColorBy c) {
  return c == ColorBy::kKind ? "kind" : "module";
}

// The samples to write: for every sample, the index of a representative input sample (its stack, pid, tid,
// thread and time) and, when aggregated, the summed values.
struct SampleSet {
  std::vector<uint32_t> rep;
  std::vector<double> sums;  // row-major, columns.size() per sample; empty when not aggregated
  bool aggregated = false;
};

SampleSet select_samples(const Profile& p, const std::vector<size_t>& columns, SampleDetail detail) {
  SampleSet set;
  const size_t n = p.num_samples();
  if (detail == SampleDetail::kEverySample) {
    set.rep.resize(n);
    for (size_t i = 0; i < n; ++i) set.rep[i] = static_cast<uint32_t>(i);
    return set;
  }
  set.aggregated = true;
  const auto& s = p.samples;
  profile::IdIndex index;
  for (size_t i = 0; i < n; ++i) {
    uint64_t h = profile::mix64(s.stack[i]);
    h = profile::hash_combine(
        h, (uint64_t{static_cast<uint32_t>(s.pid[i])} << 32) | static_cast<uint32_t>(s.tid[i]));
    h = profile::hash_combine(h, s.thread_name[i]);
    auto next = static_cast<uint32_t>(set.rep.size());
    bool inserted = false;
    uint32_t g = index.find_or_insert(
        h,
        [&](uint32_t k) {
          uint32_t r = set.rep[k];
          return s.stack[r] == s.stack[i] && s.pid[r] == s.pid[i] && s.tid[r] == s.tid[i] &&
                 s.thread_name[r] == s.thread_name[i];
        },
        next, &inserted);
    if (inserted) {
      set.rep.push_back(static_cast<uint32_t>(i));
      set.sums.resize(set.sums.size() + columns.size(), 0.0);
    }
    double* sum = set.sums.data() + size_t{g} * columns.size();
    for (size_t c = 0; c < columns.size(); ++c) sum[c] += p.value(i, columns[c]);
  }
  return set;
}

// Old id -> new id maps for what the selected samples use.
struct Compaction {
  std::vector<uint32_t> stack, frame, string;
  std::vector<StackId> stacks;    // new id -> old id
  std::vector<FrameId> frames;    // new id -> old id
  std::vector<StringId> strings;  // new id -> old id

  uint32_t add_string(StringId old) {
    if (string[old] == kUnused) {
      string[old] = static_cast<uint32_t>(strings.size());
      strings.push_back(old);
    }
    return string[old];
  }
};

Compaction compact(const Profile& p, const SampleSet& set) {
  Compaction c;
  c.stack.assign(p.stacks.size(), kUnused);
  c.frame.assign(p.frames.size(), kUnused);
  c.string.assign(p.strings.size(), kUnused);
  std::vector<char> used(p.stacks.size(), 0);
  used[profile::StackTrie::kRoot] = 1;
  for (uint32_t r : set.rep)
    for (StackId s = p.samples.stack[r]; !used[s]; s = p.stacks.parent(s)) used[s] = 1;
  c.add_string(0);
  // Parents have smaller ids than their children, so increasing old ids keep parents first.
  for (StackId s = 0; s < p.stacks.size(); ++s) {
    if (!used[s]) continue;
    c.stack[s] = static_cast<uint32_t>(c.stacks.size());
    c.stacks.push_back(s);
    if (s == profile::StackTrie::kRoot) continue;
    FrameId f = p.stacks.frame(s);
    if (c.frame[f] == kUnused) {
      c.frame[f] = static_cast<uint32_t>(c.frames.size());
      c.frames.push_back(f);
      const profile::Frame& fr = p.frames[f];
      c.add_string(fr.name);
      c.add_string(fr.module);
      c.add_string(fr.file);
    }
  }
  for (uint32_t r : set.rep) c.add_string(p.samples.thread_name[r]);
  return c;
}

void write_value_type(JsonWriter& w, const profile::ValueType& t) {
  w.begin_object();
  w.key("type");
  w.string(t.type);
  w.key("unit");
  w.string(t.unit);
  w.end_object();
}

void write_time(JsonWriter& w, int64_t t) {
  if (t == kNoTime) {
    w.null();
  } else {
    w.decimal_string(t);
  }
}

void write_meta(JsonWriter& w, const Profile& p, const std::vector<size_t>& columns) {
  const profile::Metadata& m = p.meta;
  int64_t first = kNoTime, last = kNoTime;
  for (int64_t t : p.samples.time_ns) {
    if (t == kNoTime) continue;
    if (first == kNoTime || t < first) first = t;
    if (last == kNoTime || t > last) last = t;
  }
  int64_t start = m.start_ns != kNoTime ? m.start_ns : first;
  int64_t end = m.end_ns != kNoTime ? m.end_ns : last;
  int64_t duration = m.duration_ns;
  if (duration == 0 && start != kNoTime && end != kNoTime) duration = end - start;

  w.key("meta");
  w.begin_object();
  w.key("sample_types");
  w.begin_array();
  for (size_t c : columns) write_value_type(w, m.sample_types[c]);
  w.end_array();
  w.key("default_value");
  auto def = std::find(columns.begin(), columns.end(), m.default_value_index());
  w.integer(def == columns.end() ? 0 : def - columns.begin());
  w.key("period_type");
  write_value_type(w, m.period_type);
  w.key("period");
  w.integer(m.period);
  w.key("time_base_ns");
  write_time(w, profile::time_base_ns(p));
  w.key("start_ns");
  write_time(w, start);
  w.key("end_ns");
  write_time(w, end);
  w.key("duration_ns");
  w.integer(duration);
  w.key("attributes");
  w.begin_object();
  for (const auto& [k, v] : m.attributes) {
    w.key(k);
    w.string(v);
  }
  w.end_object();
  w.key("comments");
  w.begin_array();
  for (const std::string& c : m.comments) w.string(c);
  w.end_array();
  w.end_object();
}

// An int32 column of the selected samples, or null when every entry is `unknown`.
template <class Get>
void write_optional_column(JsonWriter& w, std::string_view key, const SampleSet& set, int64_t unknown,
                           Get get) {
  w.key(key);
  bool any = std::any_of(set.rep.begin(), set.rep.end(), [&](uint32_t r) { return get(r) != unknown; });
  if (!any) {
    w.null();
    return;
  }
  std::vector<int64_t> v;
  v.reserve(set.rep.size());
  for (uint32_t r : set.rep) v.push_back(get(r));
  w.integer_array(v);
}

void write_profile(JsonWriter& w, const PayloadProfile& pp, SampleDetail detail) {
  const Profile& p = *pp.profile;
  std::vector<size_t> columns = pp.columns;
  if (columns.empty())
    for (size_t c = 0; c < p.num_values(); ++c) columns.push_back(c);
  for (size_t c : columns)
    if (c >= p.num_values())
      throw std::invalid_argument("payload: value column " + std::to_string(c) + " does not exist");

  SampleSet set = select_samples(p, columns, detail);
  Compaction c = compact(p, set);

  w.begin_object();
  write_meta(w, p, columns);

  w.key("strings");
  w.begin_array();
  for (StringId s : c.strings) w.string(p.strings[s]);
  w.end_array();

  w.key("frames");
  w.begin_object();
  std::vector<int64_t> column;
  auto frame_column = [&](std::string_view key, auto get) {
    column.clear();
    for (FrameId f : c.frames) column.push_back(get(p.frames[f]));
    w.key(key);
    w.integer_array(column);
  };
  frame_column("name", [&](const profile::Frame& f) { return c.string[f.name]; });
  frame_column("module", [&](const profile::Frame& f) { return c.string[f.module]; });
  frame_column("file", [&](const profile::Frame& f) { return c.string[f.file]; });
  frame_column("line", [](const profile::Frame& f) { return f.line; });
  frame_column("kind", [](const profile::Frame& f) { return static_cast<int64_t>(f.kind); });
  w.end_object();

  w.key("stacks");
  w.begin_object();
  column.clear();
  for (StackId s : c.stacks)
    column.push_back(s == profile::StackTrie::kRoot ? 0 : c.stack[p.stacks.parent(s)]);
  w.key("parent");
  w.integer_array(column);
  column.clear();
  for (StackId s : c.stacks)
    column.push_back(s == profile::StackTrie::kRoot ? int64_t{-1} : int64_t{c.frame[p.stacks.frame(s)]});
  w.key("frame");
  w.integer_array(column);
  w.end_object();

  w.key("idle_stacks");
  column.clear();
  std::vector<uint8_t> idle = profile::idle_stacks(p);
  for (StackId s = 0; s < idle.size(); ++s)
    if (idle[s] && c.stack[s] != kUnused) column.push_back(c.stack[s]);
  std::sort(column.begin(), column.end());
  w.integer_array(column);

  const auto& s = p.samples;
  w.key("samples");
  w.begin_object();
  w.key("count");
  w.integer(static_cast<int64_t>(set.rep.size()));
  column.clear();
  for (uint32_t r : set.rep) column.push_back(c.stack[s.stack[r]]);
  w.key("stack");
  w.integer_array(column);
  w.key("values");
  w.begin_array();
  std::vector<double> values(set.rep.size());
  for (size_t k = 0; k < columns.size(); ++k) {
    for (size_t i = 0; i < set.rep.size(); ++i)
      values[i] = set.aggregated ? set.sums[i * columns.size() + k] : p.value(set.rep[i], columns[k]);
    w.number_array(values);
  }
  w.end_array();

  w.key("time_delta_ns");
  bool all_timed =
      !set.aggregated && !set.rep.empty() &&
      std::none_of(set.rep.begin(), set.rep.end(), [&](uint32_t r) { return s.time_ns[r] == kNoTime; });
  if (all_timed) {
    column.clear();
    int64_t previous = profile::time_base_ns(p);
    for (uint32_t r : set.rep) {
      column.push_back(s.time_ns[r] - previous);
      previous = s.time_ns[r];
    }
    w.integer_array(column);
  } else {
    w.null();  // aggregated, or some sample has no time: a heat map needs every one
  }
  write_optional_column(w, "pid", set, -1, [&](uint32_t r) { return s.pid[r]; });
  write_optional_column(w, "tid", set, -1, [&](uint32_t r) { return s.tid[r]; });
  if (set.aggregated) {
    w.key("cpu");
    w.null();  // summed over
  } else {
    write_optional_column(w, "cpu", set, -1, [&](uint32_t r) { return s.cpu[r]; });
  }
  write_optional_column(w, "thread", set, 0, [&](uint32_t r) { return c.string[s.thread_name[r]]; });
  w.end_object();
  w.end_object();
}

}  // namespace

std::string_view page_kind_name(PageKind kind) {
  switch (kind) {
    case PageKind::kFlamegraph:
      return "flamegraph";
    case PageKind::kHeatmap:
      return "heatmap";
    case PageKind::kDiff:
      return "diff";
  }
  return "flamegraph";
}

std::string page_payload_json(const PagePayload& payload) {
  std::string out;
  JsonWriter w(out, text::kScriptJson);
  w.begin_object();
  w.key("format");
  w.string("lambdascope-page");
  w.key("version");
  w.integer(1);
  w.key("page");
  w.string(page_kind_name(payload.page));
  w.key("title");
  w.string(payload.title);

  const PageOptions& o = payload.options;
  w.key("options");
  w.begin_object();
  w.key("orientation");
  w.string(orientation_name(o.orientation));
  w.key("order");
  w.string(order_name(o.order));
  w.key("color");
  w.string(color_name(o.color));
  w.key("value");
  w.integer(static_cast<int64_t>(o.value));
  w.key("search");
  w.string(o.search);
  w.key("rows");
  w.integer(o.rows);
  w.key("column_s");
  w.integer(o.column_s);
  w.key("hide_idle");
  w.boolean(o.hide_idle);
  w.key("diff_normalize");
  w.boolean(o.diff_normalize);
  w.end_object();

  w.key("profiles");
  w.begin_array();
  for (const PayloadProfile& pp : payload.profiles) write_profile(w, pp, payload.detail);
  w.end_array();
  w.end_object();
  return out;
}

}  // namespace lambdascope::render
