// speedscope's file format out (https://www.speedscope.app/file-format-schema.json), one profile per thread
// (pid, tid, thread name), so speedscope's profile menu is the thread list.
//
// A thread whose samples all have times is written "evented", in time order: each sample is the interval
// [start, start + weight) in the unit of the chosen value, frames shared with the previous sample stay
// open, and the weights are exactly ours, so speedscope's Left Heavy and Sandwich totals equal our totals.
// When the unit is a time unit, an interval starts at the sample's time (relative to the earliest sample of
// the file), or right after the previous interval when that one has not ended yet; gaps between samples
// stay empty, so the Time Order view is the timeline. For other units (counts, bytes) intervals are packed
// one after another in time order. Threads without times are written "sampled", in sample order, with
// consecutive identical stacks summed.
//
// The profile name is the thread name followed by "(pid P, tid T)" (the parts that are known); our reader
// takes that suffix back. Samples with no frames, and zero weights, have nothing to show and are left out;
// negative weights (diff profiles) cannot be shown by speedscope and are an error.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <stdexcept>
#include <tuple>

#include "formats/parse_error.hpp"
#include "formats/writers.hpp"
#include "text/json_writer.hpp"

namespace lambdascope::formats {

namespace {

using profile::FrameId;
using profile::kNoTime;
using profile::Profile;
using profile::StackId;
using profile::StackTrie;
using text::JsonWriter;

constexpr std::string_view kSchema = "https://www.speedscope.app/file-format-schema.json";
constexpr std::string_view kExporter = "lambdascope@0.1.0";

// The file object's first members, the same for every file.
void begin_file(JsonWriter& out, std::string_view file_name) {
  out.begin_object();
  out.key("$schema");
  out.string(kSchema);
  out.key("exporter");
  out.string(kExporter);
  out.key("name");
  out.string(file_name);
}

struct SpeedscopeUnit {
  std::string_view name;
  double ns = 0;  // nanoseconds per unit; 0 when not a time unit
};

SpeedscopeUnit unit_for(std::string_view unit) {
  if (unit == "nanoseconds" || unit == "ns") return {"nanoseconds", 1};
  if (unit == "microseconds" || unit == "us") return {"microseconds", 1e3};
  if (unit == "milliseconds" || unit == "ms") return {"milliseconds", 1e6};
  if (unit == "seconds" || unit == "s") return {"seconds", 1e9};
  if (unit == "bytes") return {"bytes", 0};
  return {"none", 0};  // counts, events, cycles, ...
}

struct Thread {
  int32_t pid, tid;
  std::string_view name;
  auto operator<=>(const Thread&) const = default;
};

std::string profile_name(const Thread& t, const std::string& file_name) {
  std::string suffix;
  if (t.pid >= 0 && t.tid >= 0) {
    suffix = fmt::format("(pid {}, tid {})", t.pid, t.tid);
  } else if (t.pid >= 0) {
    suffix = fmt::format("(pid {})", t.pid);
  } else if (t.tid >= 0) {
    suffix = fmt::format("(tid {})", t.tid);
  }
  if (suffix.empty()) return t.name.empty() ? file_name : std::string(t.name);
  return t.name.empty() ? suffix : std::string(t.name) + " " + suffix;
}

class Writer {
 public:
  Writer(const Profile& p, size_t value_index, std::string file_name)
      : p_(p), vi_(value_index), file_name_(std::move(file_name)), frame_index_(p.frames.size(), -1) {
    unit_ = unit_for(p.meta.sample_types[vi_].unit);
  }

  std::string write() {
    // Threads in a stable order, each with its samples in sample order.
    std::map<Thread, std::vector<size_t>> threads;
    for (size_t i = 0; i < p_.num_samples(); ++i) {
      double w = p_.value(i, vi_);
      if (!std::isfinite(w) || w < 0)
        throw ParseError::whole(file_name_,
                                fmt::format("sample {} has weight {} in \"{}\"; speedscope shows only "
                                            "weights of 0 or more (write a diff as folded instead)",
                                            i, w, p_.meta.sample_types[vi_].type));
      if (w == 0 || p_.samples.stack[i] == StackTrie::kRoot) continue;
      Thread t{p_.samples.pid[i], p_.samples.tid[i], p_.strings[p_.samples.thread_name[i]]};
      threads[t].push_back(i);
      int64_t time = p_.samples.time_ns[i];
      if (time != kNoTime && (base_ns_ == kNoTime || time < base_ns_)) base_ns_ = time;
    }
    std::string profiles_json;
    JsonWriter profiles(profiles_json);
    profiles.begin_array();
    for (auto& [thread, samples] : threads) {
      bool timed = std::all_of(samples.begin(), samples.end(),
                               [&](size_t i) { return p_.samples.time_ns[i] != kNoTime; });
      std::string name = profile_name(thread, file_name_);
      if (timed) {
        write_evented(profiles, name, samples);
      } else {
        write_sampled(profiles, name, samples);
      }
    }
    profiles.end_array();

    std::string bytes;
    JsonWriter out(bytes);
    begin_file(out, file_name_);
    // speedscope opens the heaviest thread first.
    out.key("activeProfileIndex");
    out.integer(static_cast<int64_t>(active_index(threads)));
    out.key("shared");
    out.begin_object();
    out.key("frames");
    out.begin_array();
    for (FrameId f : frames_) {
      const profile::Frame& fr = p_.frames[f];
      out.begin_object();
      out.key("name");
      out.string(p_.strings[fr.name]);
      std::string_view file = p_.strings[fr.file != 0 ? fr.file : fr.module];
      if (!file.empty()) {
        out.key("file");
        out.string(file);
      }
      if (fr.line > 0) {
        out.key("line");
        out.integer(fr.line);
      }
      out.end_object();
    }
    out.end_array();
    out.end_object();
    out.key("profiles");
    out.raw_value(profiles_json);
    out.end_object();
    bytes += '\n';
    return bytes;
  }

 private:
  size_t active_index(const std::map<Thread, std::vector<size_t>>& threads) const {
    size_t index = 0, best = 0;
    double heaviest = -1;
    for (const auto& [thread, samples] : threads) {
      double total = 0;
      for (size_t i : samples) total += p_.value(i, vi_);
      if (total > heaviest) {
        heaviest = total;
        best = index;
      }
      ++index;
    }
    return best;
  }

  // Positions and totals are sums of weights; a sum beyond what a double holds cannot be written.
  double finite(double v) const {
    if (!std::isfinite(v))
      throw ParseError::whole(file_name_,
                              "weights add up to more than a double holds; speedscope cannot show them");
    return v;
  }

  int64_t frame_index(FrameId f) {
    if (frame_index_[f] < 0) {
      frame_index_[f] = static_cast<int64_t>(frames_.size());
      frames_.push_back(f);
    }
    return frame_index_[f];
  }

  void header(JsonWriter& w, std::string_view type, const std::string& name, double start, double end) {
    w.key("type");
    w.string(type);
    w.key("name");
    w.string(name);
    w.key("unit");
    w.string(unit_.name);
    w.key("startValue");
    w.number(start);
    w.key("endValue");
    w.number(end);
  }

  void write_sampled(JsonWriter& w, const std::string& name, const std::vector<size_t>& samples) {
    std::vector<StackId> stacks;
    std::vector<double> weights;
    for (size_t i : samples) {
      StackId s = p_.samples.stack[i];
      double v = p_.value(i, vi_);
      if (!stacks.empty() && stacks.back() == s) {
        weights.back() += v;
      } else {
        stacks.push_back(s);
        weights.push_back(v);
      }
    }
    double total = 0;
    for (double v : weights) total += v;
    finite(total);  // and so every partial sum, weights being 0 or more
    w.begin_object();
    header(w, "sampled", name, 0, total);
    w.key("samples");
    w.begin_array();
    std::string buf;
    for (StackId s : stacks) {
      buf = '[';
      bool first = true;
      for (FrameId f : p_.stacks.frames_root_first(s)) {
        if (!first) buf += ',';
        first = false;
        fmt::format_to(std::back_inserter(buf), "{}", frame_index(f));
      }
      buf += ']';
      w.raw_value(buf);
    }
    w.end_array();
    w.key("weights");
    w.begin_array();
    for (double v : weights) w.number(v);
    w.end_array();
    w.end_object();
  }

  void write_evented(JsonWriter& w, const std::string& name, std::vector<size_t> samples) {
    std::stable_sort(samples.begin(), samples.end(),
                     [&](size_t a, size_t b) { return p_.samples.time_ns[a] < p_.samples.time_ns[b]; });
    std::string events;
    std::vector<FrameId> open;  // frames of the open stack, root first
    StackId open_stack = StackTrie::kRoot;
    auto event = [&](char type, FrameId f, double at) {
      if (!events.empty()) events += ',';
      fmt::format_to(std::back_inserter(events), R"({{"type":"{}","frame":{},"at":)", type, frame_index(f));
      text::append_json_number(events, at);
      events += '}';
    };
    auto close_to = [&](size_t depth, double at) {
      while (open.size() > depth) {
        event('C', open.back(), at);
        open.pop_back();
      }
    };
    double start = 0, end = 0;
    bool first = true;
    std::vector<FrameId> frames;
    for (size_t i : samples) {
      StackId s = p_.samples.stack[i];
      double weight = p_.value(i, vi_);
      double at = end;
      if (unit_.ns > 0) {
        // Relative to the earliest sample, so doubles hold the times exactly (epoch nanoseconds would not).
        int64_t rel;
        double t = __builtin_sub_overflow(p_.samples.time_ns[i], base_ns_, &rel)
                       ? static_cast<double>(p_.samples.time_ns[i]) - static_cast<double>(base_ns_)
                       : static_cast<double>(rel);
        t /= unit_.ns;
        if (first || t > end) at = t;
      }
      if (first) start = at;
      if (at > end) {
        close_to(0, end);  // a gap: nothing ran that we know of
        open_stack = StackTrie::kRoot;
      }
      if (s != open_stack) {
        frames = p_.stacks.frames_root_first(s);
        size_t common = 0;
        while (common < open.size() && common < frames.size() && open[common] == frames[common]) ++common;
        close_to(common, at);
        for (size_t k = common; k < frames.size(); ++k) {
          event('O', frames[k], at);
          open.push_back(frames[k]);
        }
        open_stack = s;
      }
      end = finite(at + weight);
      first = false;
    }
    close_to(0, end);
    w.begin_object();
    header(w, "evented", name, start, end);
    w.key("events");
    w.raw_value("[" + events + "]");
    w.end_object();
  }

  const Profile& p_;
  size_t vi_;
  std::string file_name_;
  SpeedscopeUnit unit_;
  int64_t base_ns_ = kNoTime;
  std::vector<int64_t> frame_index_;
  std::vector<FrameId> frames_;
};

}  // namespace

std::string write_speedscope(const Profile& p, const SpeedscopeWriteOptions& o) {
  std::string file_name = o.name.empty() ? "profile" : o.name;
  if (p.num_values() == 0) {
    std::string bytes;
    JsonWriter out(bytes);
    begin_file(out, file_name);
    out.key("shared");
    out.raw_value(R"({"frames":[]})");
    out.key("profiles");
    out.raw_value("[]");
    out.end_object();
    return bytes + "\n";
  }
  size_t vi = o.value_index == kDefaultValue ? p.meta.default_value_index() : o.value_index;
  if (vi >= p.num_values())
    throw std::invalid_argument("speedscope writer: value index " + std::to_string(vi) + " out of range");
  return Writer(p, vi, file_name).write();
}

}  // namespace lambdascope::formats
