#include "lambda/extension/ring_follower.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "lambda/extension/log.hpp"

namespace lambdascope::lambda::extension {
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The wall clock can be stepped while a ring lives: NTP setting it, a virtual machine resumed after a pause
// (its monotonic clock stood still, its wall clock is put right), a SnapStart restore. A ring's anchor pairs
// the two clocks once, when its process started; samples taken after a step, mapped with it, land seconds
// away from their invocation (traced: a paused VM's clock stepped 10 s, and every invocation's samples fell
// in the init window, the invocations' profiles were empty). So the clocks are compared at each drain, and
// a change of their difference beyond this is a step: the samples after the previous drain take the new one.
// (Slewing moves both clocks alike.)
constexpr int64_t kClockStepNs = 1000000;

int64_t ns_of(const timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Wall clock minus monotonic clock when the ring's process started.
int64_t anchor_offset(const capture::RingInfo& info) {
  return static_cast<int64_t>(info.anchor_realtime_ns) - static_cast<int64_t>(info.anchor_monotonic_ns);
}

std::pair<uint64_t, int64_t> system_clocks() {
  timespec m1{}, r{}, m2{};
  ::clock_gettime(CLOCK_MONOTONIC, &m1);
  ::clock_gettime(CLOCK_REALTIME, &r);
  ::clock_gettime(CLOCK_MONOTONIC, &m2);
  const int64_t mono = ns_of(m1) + (ns_of(m2) - ns_of(m1)) / 2;
  return {static_cast<uint64_t>(mono), ns_of(r) - mono};
}

// A zombie (exited, not yet reaped by its parent) counts as gone: it will never write to its ring again.
bool process_alive(int pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

// lambdascope-<pid>-<n>.ring -> pid, or 0.
int pid_of_ring_name(const std::string& name) {
  const std::string prefix = "lambdascope-";
  if (name.rfind(prefix, 0) != 0 || !ends_with(name, ".ring")) return 0;
  size_t dash = name.find('-', prefix.size());
  if (dash == std::string::npos) return 0;
  try {
    return std::stoi(name.substr(prefix.size(), dash - prefix.size()));
  } catch (...) {
    return 0;
  }
}

}  // namespace

RingFollower::RingFollower(Options options) : options_(std::move(options)) {}

RingFollower::~RingFollower() {
  stop();
}

void RingFollower::start() {
  std::error_code ec;
  // Created private when it is ours to create; a folder the user named keeps its permissions.
  fs::create_directories(fs::path(options_.dir).parent_path(), ec);
  if (::mkdir(options_.dir.c_str(), 0700) != 0 && errno != EEXIST)
    Log::info("cannot create the ring folder " + options_.dir + ": " + std::strerror(errno));
  // Rings of processes that are gone: an earlier generation of this sandbox (before a reset) whose
  // extension could not clean up. Their samples fall in no window of ours.
  size_t removed = 0;
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    std::string name = entry.path().filename().string();
    int pid = pid_of_ring_name(name);
    if (pid == 0 || process_alive(pid)) continue;
    fs::remove(entry.path(), ec);
    ++removed;
  }
  if (removed != 0) Log::debug("removed " + std::to_string(removed) + " rings of exited processes");
  marker_.emplace(options_.dir);
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "ls-ring-drain");
    loop();
  });
}

void RingFollower::withdraw() {
  std::lock_guard<std::mutex> lock(mu_);
  marker_.reset();
}

void RingFollower::stop() {
  withdraw();
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RingFollower::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  bool frozen = false;
  while (!stop_) {
    // Not right after a freeze (Lambda between invocations): the runtime wrote nothing meanwhile, and
    // the invocation that thawed it ends in a cut, which drains. So a drain comes after an interval of
    // unfrozen time, not at every thaw.
    if (!frozen) {
      scan_locked();
      drain_locked();
    }
    const auto due = std::chrono::steady_clock::now() + options_.interval;
    cv_.wait_until(lock, due, [&] { return stop_.load(); });
    frozen = std::chrono::steady_clock::now() - due > std::chrono::milliseconds(50);
  }
}

void RingFollower::poll() {
  std::lock_guard<std::mutex> lock(mu_);
  scan_locked();
  drain_locked();
}

void RingFollower::scan_locked() {
  // Listing the folder costs more than draining the rings (a few system calls, each a trip to the host in
  // a small virtual machine), and it is looked at twice per invocation. A ring created or removed changes
  // the folder's mtime, so an unchanged mtime means an unchanged folder, with two exceptions the rules
  // cover: a ring created in the same clock tick as the last listing (mtime is stamped from a coarse clock,
  // so it may not move): the mtime stands for a listing only if it was already older than a tick then; and
  // a wall-clock step back (an mtime that happens to repeat): a listing stands for 20 scans at most (some 8
  // invocations; not a time, which would run out in every freeze between sparse invocations).
  constexpr int64_t kTickNs = 50000000;
  constexpr int kListingScans = 20;
  struct stat st {};
  const bool have_mtime = ::stat(options_.dir.c_str(), &st) == 0;
  if (have_mtime && unopened_.empty() && listed_mtime_ && listed_mtime_->tv_sec == st.st_mtim.tv_sec &&
      listed_mtime_->tv_nsec == st.st_mtim.tv_nsec && ++scans_since_listing_ < kListingScans)
    return;
  timespec wall{};
  ::clock_gettime(CLOCK_REALTIME, &wall);
  listed_mtime_.reset();
  scans_since_listing_ = 0;
  if (have_mtime && ns_of(wall) - ns_of(st.st_mtim) > kTickNs) listed_mtime_ = st.st_mtim;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.dir, ec)) {
    std::string path = entry.path().string();
    if (!ends_with(path, ".ring") || rings_.count(path) != 0 || own_.count(path) != 0) continue;
    std::string error;
    auto reader = capture::RingReader::open(path, &error);
    if (reader == nullptr) {
      // Its header may still be being written: try again, and say so once if it never becomes a ring.
      if (++unopened_[path] == 40) Log::info("cannot read ring " + path + ": " + error);
      continue;
    }
    unopened_.erase(path);
    if (reader->info().pid == ::getpid()) {  // the extension itself, preloaded by a global LD_PRELOAD
      own_.insert(path);
      continue;
    }
    Log::debug("following ring " + path + " (pid " + std::to_string(reader->info().pid) + ", " +
               reader->info().exe + ")");
    seen_any_ = true;
    Followed f;
    f.reader = std::move(reader);
    rings_.emplace(path, std::move(f));
  }
}

void RingFollower::note_clock_step_locked() {
  const auto [mono, offset] = options_.clocks ? options_.clocks() : system_clocks();
  const int64_t step = offset - last_clock_offset_;
  if (last_drain_monotonic_ != 0 && (step > kClockStepNs || step < -kClockStepNs)) {
    Log::info("the wall clock was stepped by " + std::to_string(step / 1000000) +
              " ms: samples since are placed with the new time");
    clock_steps_.emplace_back(last_drain_monotonic_, step);
  }
  last_drain_monotonic_ = mono;
  last_clock_offset_ = offset;
}

// A sample's Unix time: through its ring's anchor, plus each wall-clock step seen after its process started
// (an earlier one is in the anchor) and before the sample.
int64_t RingFollower::realtime_locked(const Followed& f, uint64_t monotonic_ns) const {
  const capture::RingInfo& info = f.reader->info();
  int64_t offset = anchor_offset(info);
  for (const auto& [from, step] : clock_steps_)
    if (from > info.anchor_monotonic_ns && from <= monotonic_ns) offset += step;
  return static_cast<int64_t>(monotonic_ns) + offset;
}

// The same offset as in effect at Unix time `realtime_ns`: a step counts from the Unix time it begins at.
int64_t RingFollower::offset_at_realtime_locked(const Followed& f, int64_t realtime_ns) const {
  const capture::RingInfo& info = f.reader->info();
  int64_t offset = anchor_offset(info);
  for (const auto& [from, step] : clock_steps_)
    if (from > info.anchor_monotonic_ns && static_cast<int64_t>(from) + offset + step <= realtime_ns)
      offset += step;
  return offset;
}

void RingFollower::drain_locked() {
  note_clock_step_locked();
  capture::RingData scratch;
  for (auto& [path, f] : rings_) {
    scratch.samples.clear();
    scratch.pcs.clear();
    scratch.mappings.clear();
    scratch.thread_names.clear();
    scratch.java_methods.clear();
    scratch.java_code.clear();
    f.reader->poll(scratch);
    capture::RingData& d = f.data;
    d.info = scratch.info;
    d.counters = scratch.counters;
    d.java_counters = scratch.java_counters;
    d.state = scratch.state;
    d.message = scratch.message;
    d.unfinished_bytes = scratch.unfinished_bytes;
    d.corrupt_records += scratch.corrupt_records;
    scratch.corrupt_records = 0;
    for (auto& m : scratch.mappings) d.mappings.push_back(std::move(m));
    for (auto& n : scratch.thread_names) d.thread_names.push_back(std::move(n));
    for (auto& m : scratch.java_methods) d.java_methods.push_back(std::move(m));
    for (auto& c : scratch.java_code) d.java_code.push_back(std::move(c));
    for (const capture::RawSample& s : scratch.samples) {
      if (buffered_pcs_ + s.depth > options_.max_buffered_pcs) {
        ++dropped_samples_;
        continue;
      }
      capture::RawSample copy = s;
      copy.first_pc = static_cast<uint32_t>(d.pcs.size());
      d.pcs.insert(d.pcs.end(), scratch.pcs.begin() + s.first_pc, scratch.pcs.begin() + s.first_pc + s.depth);
      buffered_pcs_ += s.depth;
      d.samples.push_back(copy);
    }
  }
}

bool RingFollower::wait_for_waits(int64_t end_ns, std::chrono::steady_clock::time_point deadline) {
  for (bool first = true;; first = false) {
    bool complete = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (first) scan_locked();  // a folder listing per look would cost more than the look (5 ms apart)
      for (auto& [path, f] : rings_) {
        const capture::RingInfo& info = f.reader->info();
        const uint64_t through = f.reader->waits_through_ns();
        if (info.mode != agent::ring::Mode::kWall || through == 0 ||
            f.reader->state() != agent::ring::State::kRunning || realtime_locked(f, through) >= end_ns)
          continue;
        if (process_alive(info.pid)) complete = false;  // read only when behind: a /proc file per look
      }
    }
    if (complete) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

namespace {

// A waiting sample (an idle record, or the stack of a thread found blocked) stands for periods of one wait
// before it: those before `end_ns` are the window's. Its share of the weight and CPU time, 0 periods when
// none; the rest stays with the later window, which clips it (clip_to_window).
uint32_t periods_before(const capture::RawSample& s, int64_t t, int64_t end_ns, uint64_t period_ns) {
  if (!s.waiting || s.weight == 0 || period_ns == 0 || t <= end_ns) return 0;
  const uint64_t after = static_cast<uint64_t>(t - end_ns);
  const uint64_t span = uint64_t{s.weight} * period_ns;
  if (after >= span) return 0;
  // What clip_to_window leaves the later window (periods rounded up) is not counted twice.
  return s.weight - static_cast<uint32_t>((after + period_ns - 1) / period_ns);
}

// A wall sample stands for the periods before it (weight), back to its thread's previous sample: when the
// sampler ran late (a function throttled to its CPU share can keep it from a CPU for a few hundred ms),
// those may begin before the window. Only the periods inside it are the window's: a thread never holds more
// wall time than the window lasted. (The periods before were the previous window's, already written: they
// are lost, not given to the wrong invocation.)
void clip_to_window(capture::RawSample& s, int64_t t, int64_t start_ns, uint64_t period_ns) {
  if (s.weight <= 1 || period_ns == 0 || !(s.idle || (s.flags & agent::ring::kSampleWall))) return;
  const uint64_t inside = static_cast<uint64_t>(t - start_ns);
  if (inside >= uint64_t{s.weight} * period_ns) return;
  const uint64_t periods = (inside + period_ns - 1) / period_ns;
  s.weight = static_cast<uint32_t>(periods < 1 ? 1 : periods);
  if (s.cpu_ns > uint64_t{s.weight} * period_ns) s.cpu_ns = uint64_t{s.weight} * period_ns;
}

}  // namespace

std::vector<capture::RingData> RingFollower::cut(int64_t start_ns, int64_t end_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  scan_locked();
  drain_locked();
  std::vector<capture::RingData> out;
  for (auto& [path, f] : rings_) {
    const capture::RingData& d = f.data;
    capture::RingData slice;
    slice.info = d.info;
    // The profile maps its samples' times with one offset: the one in effect at the window's end.
    slice.info.anchor_realtime_ns = static_cast<uint64_t>(static_cast<int64_t>(d.info.anchor_monotonic_ns) +
                                                          offset_at_realtime_locked(f, end_ns));
    // Known stacks per thread, for wall-mode idle records (they repeat the thread's previous stack).
    std::map<int32_t, std::pair<uint32_t, uint32_t>> last_full;         // tid -> (first_pc in slice, depth)
    std::map<int32_t, std::pair<uint32_t, uint32_t>> last_full_before;  // in d, before the window
    uint64_t java_samples = 0;
    for (const capture::RawSample& s : d.samples) {
      int64_t t = realtime_locked(f, s.time_ns);
      capture::RawSample copy = s;
      if (t > end_ns) {
        // A wait that went on past the window's end: its periods before the end are the window's.
        const uint32_t before = periods_before(s, t, end_ns, d.info.period_ns);
        if (before == 0) continue;
        copy.cpu_ns = s.cpu_ns * before / s.weight;
        copy.weight = before;
        copy.time_ns = s.time_ns - static_cast<uint64_t>(t - end_ns);
        t = end_ns;
      }
      if (t < start_ns) {
        if (!s.idle) last_full_before[s.tid] = {s.first_pc, s.depth};
        continue;
      }
      if (!s.idle && (s.flags & agent::ring::kSampleJava) != 0) ++java_samples;
      clip_to_window(copy, t, start_ns, d.info.period_ns);
      if (s.idle) {
        if (last_full.count(s.tid) != 0) {
          slice.samples.push_back(copy);
          continue;
        }
        // The first record of this thread in the window is idle: give it the stack it had before.
        copy.idle = false;
        copy.first_pc = static_cast<uint32_t>(slice.pcs.size());
        if (auto it = last_full_before.find(s.tid); it != last_full_before.end()) {
          slice.pcs.insert(slice.pcs.end(), d.pcs.begin() + it->second.first,
                           d.pcs.begin() + it->second.first + it->second.second);
          copy.depth = it->second.second;
        } else if (auto old = f.last_stack.find(s.tid); old != f.last_stack.end()) {
          slice.pcs.insert(slice.pcs.end(), old->second.begin(), old->second.end());
          copy.depth = static_cast<uint32_t>(old->second.size());
        } else {
          copy.idle = true;  // never seen: the builder shows "[not sampled yet]"
          slice.samples.push_back(copy);
          continue;
        }
        last_full[s.tid] = {copy.first_pc, copy.depth};
        slice.samples.push_back(copy);
        continue;
      }
      copy.first_pc = static_cast<uint32_t>(slice.pcs.size());
      slice.pcs.insert(slice.pcs.end(), d.pcs.begin() + s.first_pc, d.pcs.begin() + s.first_pc + s.depth);
      last_full[s.tid] = {copy.first_pc, copy.depth};
      slice.samples.push_back(copy);
    }
    // Counters: what happened since the previous cut, so drops are reported once, in the window they hit.
    for (size_t i = 0; i < d.counters.size(); ++i)
      slice.counters[i] = d.counters[i] >= f.counters_at_cut[i] ? d.counters[i] - f.counters_at_cut[i] : 0;
    f.counters_at_cut = d.counters;
    for (size_t i = 0; i < d.java_counters.size(); ++i)
      slice.java_counters[i] = d.java_counters[i] - std::min(d.java_counters[i], f.java_counters_at_cut[i]);
    f.java_counters_at_cut = d.java_counters;
    // The header's count runs up to this drain, which may be well into the next invocation when the cut
    // comes late (a busy host). The window's own records give its count exactly.
    slice.java_counters[agent::ring::kJavaSamples] = java_samples;
    slice.corrupt_records = d.corrupt_records - f.corrupt_at_cut;
    f.corrupt_at_cut = d.corrupt_records;
    slice.state = d.state;
    if (d.state == agent::ring::State::kFailed) slice.message = d.message;
    if (slice.samples.empty() && slice.counters[agent::ring::kDroppedFull] == 0) continue;
    slice.mappings = d.mappings;
    slice.thread_names = d.thread_names;
    slice.java_methods = d.java_methods;
    slice.java_code = d.java_code;
    out.push_back(std::move(slice));
  }
  return out;
}

void RingFollower::discard_through(int64_t t) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [path, f] : rings_) {
    capture::RingData& d = f.data;
    size_t keep_from = 0;
    while (keep_from < d.samples.size() && realtime_locked(f, d.samples[keep_from].time_ns) <= t) {
      const capture::RawSample& s = d.samples[keep_from];
      if (!s.idle)
        f.last_stack[s.tid].assign(d.pcs.begin() + s.first_pc, d.pcs.begin() + s.first_pc + s.depth);
      ++keep_from;
    }
    if (keep_from == 0) continue;
    // Samples are in ring order, which is time order up to the few that raced for the same slot; a late
    // one among the kept is harmless (it is only looked at by time).
    std::vector<capture::RawSample> kept(d.samples.begin() + static_cast<long>(keep_from), d.samples.end());
    std::vector<uint64_t> pcs;
    for (capture::RawSample& s : kept) {
      uint32_t first = static_cast<uint32_t>(pcs.size());
      if (!s.idle) pcs.insert(pcs.end(), d.pcs.begin() + s.first_pc, d.pcs.begin() + s.first_pc + s.depth);
      s.first_pc = first;
    }
    buffered_pcs_ -= d.pcs.size() - pcs.size();
    d.samples = std::move(kept);
    d.pcs = std::move(pcs);
  }
}

int64_t RingFollower::earliest_start_ns() {
  std::lock_guard<std::mutex> lock(mu_);
  scan_locked();  // a ring that appeared since the last poll counts (the init window starts at it)
  int64_t best = 0;
  for (auto& [path, f] : rings_) {
    auto t = static_cast<int64_t>(f.reader->info().anchor_realtime_ns);
    if (best == 0 || t < best) best = t;
  }
  return best;
}

int64_t RingFollower::last_sample_ns(int64_t start_ns, int64_t end_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t best = 0;
  for (auto& [path, f] : rings_)
    for (const capture::RawSample& s : f.data.samples) {
      int64_t t = realtime_locked(f, s.time_ns);
      if (t >= start_ns && t <= end_ns && t > best) best = t;
    }
  return best;
}

void RingFollower::remove_finished_rings(bool discard_unclaimed) {
  std::lock_guard<std::mutex> lock(mu_);
  drain_locked();
  for (auto it = rings_.begin(); it != rings_.end();) {
    Followed& f = it->second;
    int pid = f.reader->info().pid;
    if ((!discard_unclaimed && !f.data.samples.empty()) || process_alive(pid)) {
      ++it;
      continue;
    }
    std::error_code ec;
    fs::remove(it->first, ec);
    // The perf map belongs to the process, and no other ring of the same pid is still being read.
    bool other_ring_of_pid = false;
    for (auto& [path, g] : rings_)
      if (&g != &f && g.reader->info().pid == pid) other_ring_of_pid = true;
    if (!other_ring_of_pid) fs::remove(options_.perf_map_dir + "/perf-" + std::to_string(pid) + ".map", ec);
    Log::debug("ring of exited pid " + std::to_string(pid) + " removed");
    it = rings_.erase(it);
  }
}

bool RingFollower::seen_any_ring() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!seen_any_) scan_locked();  // not only as of the last poll
  return seen_any_;
}

FollowerStats RingFollower::stats() {
  std::lock_guard<std::mutex> lock(mu_);
  FollowerStats s;
  s.rings = rings_.size();
  for (auto& [path, f] : rings_) s.samples_buffered += f.data.samples.size();
  s.samples_dropped = dropped_samples_;
  s.pcs_buffered = buffered_pcs_;
  return s;
}

}  // namespace lambdascope::lambda::extension
