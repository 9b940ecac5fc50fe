#include "capture/profile_builder.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "capture/python_collapse.hpp"
#include "capture/waiting_state.hpp"

namespace lambdascope::capture {

namespace ring = agent::ring;

namespace {

// The module of waiting frames; formats/pprof_module_kind.hpp gives frames of it their kind back.
constexpr std::string_view kWaitingModule = "[waiting]";

int64_t to_realtime(const RingInfo& info, uint64_t monotonic_ns) {
  return static_cast<int64_t>(info.anchor_realtime_ns) +
         (static_cast<int64_t>(monotonic_ns) - static_cast<int64_t>(info.anchor_monotonic_ns));
}

void apply(symbolize::ProcessMaps& maps, const RawMapping& m) {
  symbolize::MappingSpan span;
  span.start = m.start;
  span.end = m.end;
  span.offset = m.offset;
  span.inode = m.inode;
  if (!m.add) return maps.remove(span, m.time_ns);
  span.path = m.path;
  span.build_id = m.build_id;
  span.added_ns = m.time_ns;
  maps.add(std::move(span));
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The frame of an address left unnamed: the address as sampled, with its mapping when it has one.
profile::FrameId unsymbolized(profile::Profile& p, const symbolize::MappingSpan* m, uint64_t pc) {
  if (m == nullptr) return p.intern_unsymbolized(pc, nullptr);
  profile::Mapping mapping{p.intern(m->path), m->start, m->end, m->offset,
                           m->build_id.empty() ? 0 : p.intern(symbolize::hex_bytes(m->build_id))};
  return p.intern_unsymbolized(pc, &mapping);
}

// Thread names over time, per tid.
class ThreadNames {
 public:
  explicit ThreadNames(const std::vector<RawThreadName>& names) {
    for (const RawThreadName& n : names) by_tid_[n.tid].push_back(&n);
  }
  const std::string* at(int32_t tid, uint64_t time) const {
    auto it = by_tid_.find(tid);
    if (it == by_tid_.end()) return nullptr;
    const RawThreadName* best = it->second.front();  // earliest, when none precedes `time`
    for (const RawThreadName* n : it->second)
      if (n->time_ns <= time) best = n;
    return &best->name;
  }

 private:
  std::unordered_map<int32_t, std::vector<const RawThreadName*>> by_tid_;
};

// Stacks with their waiting leaf, per stack.
class WaitingStacks {
 public:
  explicit WaitingStacks(profile::Profile& p) : p_(p) {}
  profile::StackId of(profile::StackId stack) {
    auto [it, inserted] = memo_.try_emplace(stack, stack);
    if (!inserted) return it->second;
    names_.clear();
    for (profile::StackId s = stack; s != profile::StackTrie::kRoot && names_.size() < kWaitingFramesExamined;
         s = p_.stacks.parent(s))
      names_.push_back(p_.frame_name(p_.stacks.frame(s)));
    std::string_view leaf = waiting_frame_name(classify_waiting(names_));
    if (!leaf.empty())
      it->second = p_.stacks.push(stack, p_.intern_frame(leaf, kWaitingModule, profile::FrameKind::kWaiting));
    return it->second;
  }
  // The stack of a thread that was woken and waits for a CPU: its wait's stack, marked as waiting for CPU.
  profile::StackId runnable(profile::StackId stack) {
    auto [it, inserted] = cpu_memo_.try_emplace(stack, stack);
    if (inserted)
      it->second = p_.stacks.push(stack, p_.intern_frame(waiting_frame_name(WaitingState::kCpu),
                                                         kWaitingModule, profile::FrameKind::kWaiting));
    return it->second;
  }

 private:
  profile::Profile& p_;
  std::unordered_map<profile::StackId, profile::StackId> cpu_memo_;
  std::unordered_map<profile::StackId, profile::StackId> memo_;
  std::vector<std::string_view> names_;
};

// Threads with samples, none of which ran (all idle or waiting, with no CPU time).
std::unordered_set<int32_t> idle_threads(const RingData& data) {
  std::unordered_set<int32_t> ran, seen;
  for (const RawSample& s : data.samples) {
    seen.insert(s.tid);
    if (!s.waiting || s.cpu_ns != 0) ran.insert(s.tid);
  }
  std::unordered_set<int32_t> out;
  for (int32_t tid : seen)
    if (ran.count(tid) == 0) out.insert(tid);
  return out;
}

}  // namespace

void init_profile(profile::Profile& p, const RingInfo& info) {
  bool wall = info.mode == ring::Mode::kWall;
  std::string kind = wall ? "wall" : "cpu";
  p.meta.sample_types = {{"samples", "count"}, {kind, "nanoseconds"}};
  if (wall && info.version >= 2) p.meta.sample_types.push_back({"cpu", "nanoseconds"});
  p.meta.default_sample_type = 1;
  p.meta.period_type = {kind, "nanoseconds"};
  p.meta.period = static_cast<int64_t>(info.period_ns);
  p.meta.set_attribute(profile::attr::kSourceFormat, "lambdascope-agent");
  p.meta.set_attribute(profile::attr::kEvent, kind);
  p.meta.set_attribute(profile::attr::kFrequencyHz, std::to_string(info.hz));
  p.meta.set_attribute(profile::attr::kTimeClock, "unix");
  if (!info.cmdline.empty()) p.meta.set_attribute(profile::attr::kCommand, info.cmdline);
}

void add_ring(profile::Profile& p, const RingData& data, symbolize::Symbolizer& symbolizer,
              const BuildOptions& options) {
  const RingInfo& info = data.info;
  symbolize::ProcessMaps maps;
  size_t next_mapping = 0;
  ThreadNames names(data.thread_names);
  const double period = static_cast<double>(info.period_ns);

  // Frames per (mapping, pc, is-return-address), so each distinct PC is symbolized once per ring.
  struct PcKey {
    uint64_t pc;
    size_t mapping;
    bool operator==(const PcKey&) const = default;
  };
  struct PcKeyHash {
    size_t operator()(const PcKey& k) const { return std::hash<uint64_t>()(k.pc * 31 + k.mapping); }
  };
  std::unordered_map<PcKey, std::vector<profile::FrameId>, PcKeyHash> frames_of;
  std::unordered_map<int32_t, profile::StackId> last_stack;  // for wall-mode idle records
  profile::FrameId truncated = p.intern_frame("[truncated]");
  std::vector<profile::FrameId> leaf_first;
  std::vector<profile::FrameId> root_first;
  WaitingStacks waiting(p);
  PythonCollapse python(p);
  JavaFrameNamer java(data.java_methods);
  JavaCodeIndex java_code(data.java_code);
  std::vector<profile::FrameKind> java_kinds;
  std::unordered_set<int32_t> omitted =
      options.omit_idle_threads ? idle_threads(data) : std::unordered_set<int32_t>{};
  const bool with_cpu = p.num_values() >= 3;
  bool out_of_time = false;
  const size_t unsymbolized_before = p.unsymbolized_frames();

  int64_t first_time = profile::kNoTime, last_time = profile::kNoTime;
  for (const RawSample& s : data.samples) {
    if (omitted.count(s.tid) != 0) continue;
    // Mapping records up to this sample's time (they are in ring order, as are samples).
    while (next_mapping < data.mappings.size() && data.mappings[next_mapping].time_ns <= s.time_ns)
      apply(maps, data.mappings[next_mapping++]);
    profile::StackId stack;
    if (s.idle) {
      auto it = last_stack.find(s.tid);
      stack = it != last_stack.end()
                  ? it->second
                  : p.intern_stack(std::vector<profile::FrameId>{p.intern_frame("[not sampled yet]")});
    } else {
      leaf_first.clear();
      for (uint32_t i = 0; i < s.depth; ++i) {
        uint64_t pc = data.pcs[s.first_pc + i];
        if (pc == kJavaMarker) {  // the Java frames, innermost first, above the native part
          const uint64_t* words = &data.pcs[s.first_pc + i + 1];
          uint32_t frames = (s.depth - i - 1) / 2;
          java_code.kinds(s.time_ns, words, frames, java_kinds);
          for (uint32_t k = 0; k < frames; ++k)
            leaf_first.push_back(
                java.frame(p, words[2 * k + 1], static_cast<int32_t>(words[2 * k]), java_kinds[k]));
          break;
        }
        bool return_address = i > 0;
        const symbolize::MappingSpan* m = maps.find(return_address ? pc - 1 : pc, s.time_ns);
        if (m == nullptr && next_mapping < data.mappings.size()) {
          // Mapped after this sample was recorded? Look at the whole history.
          for (size_t k = next_mapping; k < data.mappings.size(); ++k) apply(maps, data.mappings[k]);
          next_mapping = data.mappings.size();
          m = maps.find(return_address ? pc - 1 : pc, s.time_ns);
        }
        if (m != nullptr && options.hide_agent_frames && ends_with(m->path, options.agent_module)) continue;
        PcKey key{pc * 2 + (return_address ? 1 : 0), m != nullptr ? maps.index_of(m) : SIZE_MAX};
        auto it = frames_of.find(key);
        if (it == frames_of.end()) {
          std::vector<profile::FrameId> ids;
          if (!out_of_time && options.symbolize_by != std::chrono::steady_clock::time_point::max())
            out_of_time = std::chrono::steady_clock::now() >= options.symbolize_by;
          if (out_of_time) {
            ids.push_back(unsymbolized(p, m, pc));
          } else {
            for (const symbolize::SymFrame& f : symbolizer.symbolize(info.pid, m, pc, return_address))
              ids.push_back(p.intern_frame(f.name, f.module, f.kind, f.file, f.line));
          }
          it = frames_of.emplace(key, std::move(ids)).first;
        }
        leaf_first.insert(leaf_first.end(), it->second.begin(), it->second.end());
      }
      if (!options.python_interpreter_frames) python.apply(leaf_first);
      root_first.assign(leaf_first.rbegin(), leaf_first.rend());
      if (s.flags & ring::kSampleTruncated) root_first.insert(root_first.begin(), truncated);
      stack = p.intern_stack(root_first);
      last_stack[s.tid] = stack;
    }
    if (s.runnable) {
      stack = waiting.runnable(stack);
    } else if (s.waiting) {
      stack = waiting.of(stack);
    }
    double values[3] = {static_cast<double>(s.weight), static_cast<double>(s.weight) * period,
                        static_cast<double>(s.cpu_ns)};
    profile::SampleRow row;
    row.stack = stack;
    row.values = std::span<const double>(values, with_cpu ? 3 : 2);
    row.time_ns = to_realtime(info, s.time_ns);
    row.pid = info.pid;
    row.tid = s.tid;
    if (const std::string* name = names.at(s.tid, s.time_ns)) row.thread_name = p.intern(*name);
    p.add_sample(row);
    if (first_time == profile::kNoTime || row.time_ns < first_time) first_time = row.time_ns;
    if (last_time == profile::kNoTime || row.time_ns > last_time) last_time = row.time_ns;
  }

  int64_t start = static_cast<int64_t>(info.anchor_realtime_ns);
  if (p.meta.start_ns == profile::kNoTime || start < p.meta.start_ns) p.meta.start_ns = start;
  if (last_time != profile::kNoTime && (p.meta.end_ns == profile::kNoTime || last_time > p.meta.end_ns))
    p.meta.end_ns = last_time;
  if (p.meta.time_nanos == 0 || start < p.meta.time_nanos) p.meta.time_nanos = start;
  if (p.meta.end_ns != profile::kNoTime) p.meta.duration_ns = p.meta.end_ns - p.meta.time_nanos;
  for (const std::string& w : ring_warnings(data))
    p.meta.comments.push_back("pid " + std::to_string(info.pid) + ": " + w);
  if (size_t n = p.unsymbolized_frames() - unsymbolized_before; n != 0)
    p.meta.comments.push_back("pid " + std::to_string(info.pid) + ": " + std::to_string(n) +
                              " frames left unsymbolized (addresses with their mappings and build ids): "
                              "the profile was saved before symbolizing could finish");
  if (!omitted.empty())
    p.meta.comments.push_back("pid " + std::to_string(info.pid) + ": " + std::to_string(omitted.size()) +
                              " idle threads left out (they did not run in this window)");
}

std::vector<std::string> ring_warnings(const RingData& r) {
  std::vector<std::string> out;
  auto c = [&](ring::Counter k) { return r.counters[k]; };
  if (r.state == ring::State::kFailed)
    out.push_back("agent did not start: " + r.message);
  else if (!r.message.empty())
    out.push_back(r.message);
  if (c(ring::kDroppedFull) != 0)
    out.push_back(std::to_string(c(ring::kDroppedFull)) + " records dropped: the ring was full");
  if (c(ring::kDroppedBusy) != 0)
    out.push_back(std::to_string(c(ring::kDroppedBusy)) + " samples dropped: the handler was busy");
  if (c(ring::kTimerFailures) != 0)
    out.push_back(std::to_string(c(ring::kTimerFailures)) + " threads could not get a CPU timer");
  if (c(ring::kMapsDropped) != 0)
    out.push_back(std::to_string(c(ring::kMapsDropped)) +
                  " mapping records lost: some frames may be unnamed");
  for (std::string& line : java_counter_lines(r.java_counters)) out.push_back(std::move(line));
  if (r.corrupt_records != 0)
    out.push_back(std::to_string(r.corrupt_records) + " malformed ring records skipped");
  if (r.unfinished_bytes != 0)
    out.push_back(std::to_string(r.unfinished_bytes) +
                  " bytes of records were never finished (the process ended "
                  "or exec'd while writing)");
  return out;
}

}  // namespace lambdascope::capture
