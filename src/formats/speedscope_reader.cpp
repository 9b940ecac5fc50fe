// speedscope's file format (https://www.speedscope.app/file-format-schema.json): shared.frames (name, file,
// line, col) and profiles, each "sampled" (stacks root to leaf with weights, no times) or "evented" (open
// and close events at non-decreasing times). Each interval between two events with frames open becomes one
// sample, weighted by its duration and timed at its start; events must balance and be in time order.
//
// All profiles land in one Profile: one sample type per unit ("none" → samples/count, "bytes" →
// space/bytes, time units → time/<unit>); the profile's name is the thread name (none when it is just the
// file's name, as speedscope names single-profile exports), and a trailing "(pid P, tid T)", which our
// writer adds, gives pid and tid back; otherwise profiles get distinct tids 1, 2, ... when there are
// several. Times of evented profiles in a time unit are kept (as nanoseconds from the file's zero); "col" is
// dropped.
#include <charconv>
#include <cmath>
#include <optional>

#include "formats/json_input.hpp"
#include "formats/parse_error.hpp"
#include "formats/reader.hpp"
#include "profile/sample_aggregator.hpp"

namespace lambdascope::formats {

namespace {

using profile::kNoTime;
using profile::StackId;
using profile::StackTrie;

struct Unit {
  std::string_view name;
  profile::ValueType type;
  double ns = 0;  // nanoseconds per unit; 0 for units that are not time
};
const Unit kUnits[] = {
    {"none", {"samples", "count"}},
    {"nanoseconds", {"time", "nanoseconds"}, 1},
    {"microseconds", {"time", "microseconds"}, 1e3},
    {"milliseconds", {"time", "milliseconds"}, 1e6},
    {"seconds", {"time", "seconds"}, 1e9},
    {"bytes", {"space", "bytes"}},
};

struct Pending {
  StackId stack;
  double weight;
  int64_t time_ns;
  uint32_t profile;
};

struct ProfileInfo {
  const Unit* unit = nullptr;
  size_t column = 0;
  std::string name;
  int32_t pid = -1, tid = -1;
};

// Parses a non-negative decimal int32 at the start of `s`, advancing it.
bool take_int(std::string_view& s, int32_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ec != std::errc() || *out < 0 || end == s.data()) return false;
  s.remove_prefix(static_cast<size_t>(end - s.data()));
  return true;
}

// Strips a trailing "(pid P, tid T)", "(pid P)" or "(tid T)" (preceded by a space or nothing) from `name`.
bool take_thread_suffix(std::string& name, int32_t* pid, int32_t* tid) {
  if (name.empty() || name.back() != ')') return false;
  size_t open = name.rfind('(');
  if (open == std::string::npos || (open > 0 && name[open - 1] != ' ')) return false;
  std::string_view s(name);
  s = s.substr(open + 1, s.size() - open - 2);
  int32_t p = -1, t = -1;
  if (s.starts_with("pid ")) {
    s.remove_prefix(4);
    if (!take_int(s, &p)) return false;
    if (s.starts_with(", ")) s.remove_prefix(2);
  }
  if (s.starts_with("tid ")) {
    s.remove_prefix(4);
    if (!take_int(s, &t)) return false;
  }
  if (!s.empty() || (p < 0 && t < 0)) return false;
  *pid = p;
  *tid = t;
  name.resize(open > 0 ? open - 1 : 0);
  return true;
}

class SpeedscopeReader {
 public:
  SpeedscopeReader(JsonDocument& doc, profile::Profile& out) : doc_(doc), out_(out) {}

  void read(const ReadOptions& options) {
    od::value root = doc_.root();
    const JsonPath& path = doc_.root_path();
    uint64_t offset = doc_.offset_of(root);
    od::object obj = doc_.object(root, path);
    od::value v;
    // The frames first, wherever they are, so every frame index is checked where it is read.
    JsonPath shared(path, "shared");
    if (!doc_.find(obj, "shared", path, &v))
      doc_.fail(offset, shared, "missing (expected {\"frames\": [...]})");
    read_frames(v, shared);
    if (doc_.find(obj, "name", path, &v) && !JsonDocument::is_null(v))
      file_name_ = std::string(doc_.string(v, JsonPath(path, "name")));
    JsonPath profiles(path, "profiles");
    if (!doc_.find(obj, "profiles", path, &v)) doc_.fail(offset, profiles, "missing (expected an array)");
    doc_.for_each_element(doc_.array(v, profiles), profiles,
                          [&](size_t, od::value p, const JsonPath& pp) { read_profile(p, pp); });
    emit(options);
  }

 private:
  void read_frames(od::value shared, const JsonPath& path) {
    uint64_t offset = doc_.offset_of(shared);
    od::object obj = doc_.object(shared, path);
    od::value v;
    JsonPath frames(path, "frames");
    if (!doc_.find(obj, "frames", path, &v)) doc_.fail(offset, frames, "missing (expected an array)");
    doc_.for_each_element(doc_.array(v, frames), frames, [&](size_t, od::value f, const JsonPath& fp) {
      uint64_t at = doc_.offset_of(f);
      std::string_view name, file;
      bool has_name = false;
      uint32_t line = 0;
      doc_.for_each_field(doc_.object(f, fp), fp, [&](std::string_view key, od::value x, const JsonPath& xp) {
        if (key == "name") {
          name = doc_.string(x, xp);
          has_name = true;
        } else if (key == "file") {
          if (!JsonDocument::is_null(x)) file = doc_.string(x, xp);
        } else if (key == "line") {
          if (JsonDocument::is_null(x)) return;
          double l = doc_.number(x, xp);
          // speedscope's lines are 1-based; anything else is "unknown".
          if (l >= 1 && l < 4294967295.0 && std::trunc(l) == l) line = static_cast<uint32_t>(l);
        }
      });
      if (!has_name) doc_.fail(at, JsonPath(fp, "name"), "missing (expected a string)");
      frames_.push_back(out_.intern_frame(name, {}, profile::FrameKind::kNative, file, line));
    });
  }

  const Unit* read_unit(od::value v, const JsonPath& path) {
    std::string_view u = doc_.string(v, path);
    for (const Unit& unit : kUnits)
      if (unit.name == u) return &unit;
    doc_.fail_at(v, path,
                 "unknown unit " + doc_.excerpt_of(v) +
                     " (expected none, nanoseconds, microseconds, milliseconds, seconds or bytes)");
  }

  // A frame index, checked against shared.frames.
  profile::FrameId frame_at(od::value v, const JsonPath& path) {
    uint64_t at = doc_.offset_of(v);
    int64_t i = doc_.integer(v, path);
    if (i < 0 || static_cast<uint64_t>(i) >= frames_.size())
      doc_.fail(at, path,
                "frame index " + std::to_string(i) + " is not in shared.frames (it has " +
                    std::to_string(frames_.size()) + ")");
    return frames_[static_cast<size_t>(i)];
  }

  int64_t to_ns(double value, const ProfileInfo& info) {
    if (info.unit->ns == 0) return kNoTime;
    double ns = std::round(value * info.unit->ns);
    return std::fabs(ns) < 9.2e18 ? static_cast<int64_t>(ns) : kNoTime;
  }

  void read_profile(od::value value, const JsonPath& path) {
    uint64_t offset = doc_.offset_of(value);
    od::object obj = doc_.object(value, path);
    od::value v;
    ProfileInfo info;
    auto required = [&](std::string_view key, std::string_view what) {
      if (!doc_.find(obj, key, path, &v))
        doc_.fail(offset, JsonPath(path, key), "missing (expected " + std::string(what) + ")");
      return JsonPath(path, key);
    };
    JsonPath unit_path = required("unit", "the unit of the weights");
    info.unit = read_unit(v, unit_path);
    if (doc_.find(obj, "name", path, &v) && !JsonDocument::is_null(v))
      info.name = std::string(doc_.string(v, JsonPath(path, "name")));
    for (std::string_view key : {"startValue", "endValue"}) {
      if (!doc_.find(obj, key, path, &v) || JsonDocument::is_null(v)) continue;
      int64_t ns = to_ns(doc_.number(v, JsonPath(path, key)), info);
      if (ns == kNoTime) continue;
      int64_t& m = key == "startValue" ? start_ns_ : end_ns_;
      if (m == kNoTime || (key == "startValue" ? ns < m : ns > m)) m = ns;
    }
    JsonPath type_path = required("type", "\"sampled\" or \"evented\"");
    std::string_view type = doc_.string(v, type_path);
    if (type == "sampled") {
      read_sampled(obj, offset, path);
    } else if (type == "evented") {
      read_evented(obj, offset, path, info);
    } else {
      doc_.fail_at(v, type_path,
                   "unknown profile type " + doc_.excerpt_of(v) + " (expected sampled or evented)");
    }
    infos_.push_back(std::move(info));
  }

  void read_sampled(od::object& obj, uint64_t offset, const JsonPath& path) {
    od::value v;
    JsonPath samples(path, "samples"), weights(path, "weights");
    if (!doc_.find(obj, "samples", path, &v))
      doc_.fail(offset, samples, "missing (expected an array of stacks)");
    size_t first = pending_.size();
    auto profile = static_cast<uint32_t>(infos_.size());
    doc_.for_each_element(doc_.array(v, samples), samples, [&](size_t, od::value s, const JsonPath& sp) {
      StackId stack = StackTrie::kRoot;
      doc_.for_each_element(doc_.array(s, sp), sp, [&](size_t, od::value f, const JsonPath& fp) {
        stack = out_.stacks.push(stack, frame_at(f, fp));
      });
      pending_.push_back({stack, 0, kNoTime, profile});
    });
    if (!doc_.find(obj, "weights", path, &v))
      doc_.fail(offset, weights, "missing (expected an array of numbers)");
    uint64_t at = doc_.offset_of(v);
    size_t n = 0;
    doc_.for_each_element(doc_.array(v, weights), weights, [&](size_t i, od::value w, const JsonPath& wp) {
      double weight = doc_.number(w, wp);
      if (weight < 0) doc_.fail_at(w, wp, "weights must not be negative, got " + doc_.excerpt_of(w));
      if (first + i < pending_.size()) pending_[first + i].weight = weight;
      ++n;
    });
    if (n != pending_.size() - first)
      doc_.fail(at, weights,
                "has " + std::to_string(n) + " entries but samples has " +
                    std::to_string(pending_.size() - first) + " (one weight per sample)");
  }

  void read_evented(od::object& obj, uint64_t offset, const JsonPath& path, const ProfileInfo& info) {
    od::value v;
    JsonPath events(path, "events");
    if (!doc_.find(obj, "events", path, &v))
      doc_.fail(offset, events, "missing (expected an array of events)");
    uint64_t events_offset = doc_.offset_of(v);
    auto profile = static_cast<uint32_t>(infos_.size());
    struct Open {
      uint32_t frame_index;
      StackId stack;  // the stack with this frame on top
      size_t event;
    };
    std::vector<Open> open;
    double prev_at = 0;
    doc_.for_each_element(doc_.array(v, events), events, [&](size_t i, od::value e, const JsonPath& ep) {
      uint64_t at_offset = doc_.offset_of(e);
      std::optional<char> kind;
      std::optional<int64_t> frame;
      std::optional<double> at;
      uint64_t frame_offset = 0;
      doc_.for_each_field(doc_.object(e, ep), ep, [&](std::string_view key, od::value x, const JsonPath& xp) {
        if (key == "type") {
          std::string_view t = doc_.string(x, xp);
          if (t != "O" && t != "C") doc_.fail_at(x, xp, "expected \"O\" or \"C\", got " + doc_.excerpt_of(x));
          kind = t[0];
        } else if (key == "frame") {
          frame_offset = doc_.offset_of(x);
          frame = doc_.integer(x, xp);
        } else if (key == "at") {
          at = doc_.number(x, xp);
        }
      });
      if (!kind) doc_.fail(at_offset, JsonPath(ep, "type"), "missing (expected \"O\" or \"C\")");
      if (!frame) doc_.fail(at_offset, JsonPath(ep, "frame"), "missing (expected a frame index)");
      if (!at) doc_.fail(at_offset, JsonPath(ep, "at"), "missing (expected a number)");
      if (*frame < 0 || static_cast<uint64_t>(*frame) >= frames_.size())
        doc_.fail(frame_offset, JsonPath(ep, "frame"),
                  "frame index " + std::to_string(*frame) + " is not in shared.frames (it has " +
                      std::to_string(frames_.size()) + ")");
      auto index = static_cast<uint32_t>(*frame);
      if (i > 0 && *at < prev_at)
        doc_.fail(at_offset, JsonPath(ep, "at"),
                  fmt_number(*at) + " is before the previous event's " + fmt_number(prev_at) +
                      " (events must be in time order)");
      if (!open.empty() && *at > prev_at) {
        double duration = *at - prev_at;
        if (!std::isfinite(duration))
          doc_.fail(at_offset, JsonPath(ep, "at"),
                    "the interval since the previous event is too long for a double");
        pending_.push_back({open.back().stack, duration, to_ns(prev_at, info), profile});
      }
      if (*kind == 'O') {
        StackId parent = open.empty() ? StackTrie::kRoot : open.back().stack;
        open.push_back({index, out_.stacks.push(parent, frames_[index]), i});
      } else if (open.empty()) {
        doc_.fail(at_offset, ep, "closes frame " + frame_label(index) + " but no frame is open");
      } else if (open.back().frame_index != index) {
        doc_.fail(at_offset, ep,
                  "closes frame " + frame_label(index) + " but the innermost open frame is " +
                      frame_label(open.back().frame_index) + ", opened at events[" +
                      std::to_string(open.back().event) + "]");
      } else {
        open.pop_back();
      }
      prev_at = *at;
    });
    if (!open.empty())
      doc_.fail(events_offset, events,
                "frame " + frame_label(open.back().frame_index) + " opened at events[" +
                    std::to_string(open.back().event) +
                    "] is never closed (every O event needs its C event)");
  }

  std::string frame_label(uint32_t index) const {
    std::string_view name = out_.frame_name(frames_[index]);
    return std::to_string(index) + " " + quote_excerpt(name.data(), name.size(), 40);
  }
  static std::string fmt_number(double d) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    return ec == std::errc() ? std::string(buf, end) : std::to_string(d);
  }

  void emit(const ReadOptions& options) {
    // One sample type (column) per distinct unit, in order of appearance.
    std::vector<const Unit*> columns;
    for (ProfileInfo& info : infos_) {
      size_t c = 0;
      while (c < columns.size() && columns[c] != info.unit) ++c;
      if (c == columns.size()) columns.push_back(info.unit);
      info.column = c;
    }
    for (const Unit* u : columns) out_.meta.sample_types.push_back(u->type);
    out_.meta.default_sample_type = 0;
    bool has_times = false;
    for (const Pending& s : pending_) has_times |= s.time_ns != kNoTime;
    if (has_times) {
      out_.meta.set_attribute(profile::attr::kTimeClock, "speedscope");
      out_.meta.start_ns = start_ns_;
      out_.meta.end_ns = end_ns_;
      if (start_ns_ != kNoTime && end_ns_ != kNoTime &&
          __builtin_sub_overflow(end_ns_, start_ns_, &out_.meta.duration_ns))
        out_.meta.duration_ns = 0;
    }

    std::vector<profile::StringId> thread_names(infos_.size());
    for (size_t i = 0; i < infos_.size(); ++i) {
      ProfileInfo& info = infos_[i];
      bool suffix = take_thread_suffix(info.name, &info.pid, &info.tid);
      if (info.tid < 0 && infos_.size() > 1) info.tid = static_cast<int32_t>(i + 1);
      if (suffix || info.name != file_name_) thread_names[i] = out_.intern(info.name);
    }

    std::optional<profile::SampleAggregator> agg;
    if (options.aggregate) agg.emplace(out_, profile::AggregateKeys{});
    std::vector<double> values(columns.size(), 0);
    for (const Pending& s : pending_) {
      const ProfileInfo& info = infos_[s.profile];
      values[info.column] = s.weight;
      profile::SampleRow row;
      row.stack = s.stack;
      row.values = values;
      row.time_ns = s.time_ns;
      row.pid = info.pid;
      row.tid = info.tid;
      row.thread_name = thread_names[s.profile];
      if (agg) {
        agg->add(row);
      } else {
        out_.add_sample(row);
      }
      values[info.column] = 0;
    }
  }

  JsonDocument& doc_;
  profile::Profile& out_;
  std::vector<profile::FrameId> frames_;
  std::string file_name_;
  std::vector<ProfileInfo> infos_;
  std::vector<Pending> pending_;
  int64_t start_ns_ = kNoTime, end_ns_ = kNoTime;
};

}  // namespace

profile::Profile read_speedscope(InputSource& in, const ReadOptions& options) {
  JsonDocument doc(in);
  profile::Profile p;
  p.meta.set_attribute(profile::attr::kSourceFormat, "speedscope");
  SpeedscopeReader(doc, p).read(options);
  return p;
}

}  // namespace lambdascope::formats
