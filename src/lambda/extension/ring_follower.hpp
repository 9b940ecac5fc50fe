// Follows the agent's rings in one folder: every ring file that appears (the runtime, its children, a new
// runtime after a reset, an exec'd image), drained continuously so the agent never finds its ring full, with
// the raw samples kept in memory only until the window they fall in has been cut. Mapping and thread-name
// records are kept for the ring's life: symbolizing a later window needs the mappings of its time.
//
// Sample times are the ring's CLOCK_MONOTONIC; windows are Unix epoch (telemetry's clock), converted per ring
// through its clock anchor. Thread-safe: a background thread polls, cut() and discard() come from others.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "capture/reader_marker.hpp"
#include "capture/ring_reader.hpp"

namespace lambdascope::lambda::extension {

struct FollowerStats {
  size_t rings = 0;
  uint64_t samples_buffered = 0;
  uint64_t samples_dropped = 0;  // over the memory cap
  uint64_t pcs_buffered = 0;
};

class RingFollower {
 public:
  struct Options {
    std::string dir;
    std::string perf_map_dir = "/tmp";  // perf-PID.map of dead processes are removed with their rings
    // How often the rings are drained between cuts (a cut drains them itself, so an invocation shorter than
    // this costs no drain of its own). Each wake costs the sandbox CPU (some 40 us on Firecracker, and a
    // drain about as much again); a ring of 8 MB holds seconds of samples even at 997 Hz on six CPUs.
    std::chrono::milliseconds interval{500};
    uint64_t max_buffered_pcs = 1u << 20;  // ~8 MB of return addresses, beyond which samples are dropped
    // CLOCK_MONOTONIC now and CLOCK_REALTIME minus CLOCK_MONOTONIC (tests step the wall clock with it).
    std::function<std::pair<uint64_t, int64_t>()> clocks = nullptr;
  };
  explicit RingFollower(Options options);
  ~RingFollower();
  RingFollower(const RingFollower&) = delete;
  RingFollower& operator=(const RingFollower&) = delete;

  // Creates the folder, removes rings of processes that are gone (a previous sandbox generation's, whose
  // samples belong to no window of ours), and starts the polling thread.
  // While started, the folder holds our reader marker (capture/reader_marker.hpp): agents that exit leave
  // their rings for us. withdraw() removes it (at SHUTDOWN: nothing will be read after that).
  void start();
  void withdraw();
  void stop();

  // Opens new rings and drains all of them now.
  void poll();

  // The samples with realtime in [start_ns, end_ns] of every ring, as one RingData per ring that has any
  // (mappings and thread names whole; counters as the change since the previous cut, except the count of
  // samples with Java frames: the window's own). start_ns == INT64_MIN means "from the ring's start". Polls
  // first, so samples published up to now are included.
  std::vector<capture::RingData> cut(int64_t start_ns, int64_t end_ns);
  // Waits until every wall-mode ring whose agent runs has written its waits up to `end_ns` (Unix ns; the
  // sampler looks for them every few tens of ms, so a window cut at once would miss its last ones), or
  // until `deadline`; false then.
  bool wait_for_waits(int64_t end_ns, std::chrono::steady_clock::time_point deadline);

  // Forgets samples with realtime <= t (they belong to windows already cut, or to none).
  void discard_through(int64_t t);

  // The earliest clock anchor (≈ process start) of the rings seen, Unix ns; 0 when there is none yet.
  int64_t earliest_start_ns();
  // The latest sample time (Unix ns) at or before `end_ns` and at or after `start_ns`, or 0.
  int64_t last_sample_ns(int64_t start_ns, int64_t end_ns);

  // Removes the rings (and perf maps) of processes that have exited and whose samples are all gone. At
  // SHUTDOWN, when every window has been cut, `discard_unclaimed` also drops the samples no window took
  // (taken after the last invocation ended), which would otherwise keep the files.
  void remove_finished_rings(bool discard_unclaimed = false);

  FollowerStats stats();
  // Whether any ring has been seen since start (none: the runtime runs without the agent).
  bool seen_any_ring();

 private:
  struct Followed {
    std::unique_ptr<capture::RingReader> reader;
    capture::RingData data;  // samples/pcs: only those not yet discarded
    std::array<uint64_t, agent::ring::kMaxCounters> counters_at_cut{};
    uint64_t corrupt_at_cut = 0;
    std::array<uint64_t, agent::ring::kJavaCounterCount> java_counters_at_cut{};
    std::map<int32_t, std::vector<uint64_t>> last_stack;  // per tid, of discarded samples (wall-mode idle)
  };
  void scan_locked();
  void drain_locked();
  void note_clock_step_locked();
  // A sample's Unix time, through the ring's anchor and the wall-clock steps seen since (the .cpp says why).
  int64_t realtime_locked(const Followed& f, uint64_t monotonic_ns) const;
  // The offset (wall minus monotonic) in effect at Unix time `realtime_ns`, for a window ending then.
  int64_t offset_at_realtime_locked(const Followed& f, int64_t realtime_ns) const;
  void loop();

  Options options_;
  std::mutex mu_;
  std::map<std::string, Followed> rings_;
  std::map<std::string, int> unopened_;  // path -> failed open attempts
  std::set<std::string> own_;            // our own rings (a global LD_PRELOAD): never followed, not reopened
  // The folder's mtime at the last listing, when that listing can stand for later scans (scan_locked says
  // when it can), and the scans it stood for.
  std::optional<timespec> listed_mtime_;
  int scans_since_listing_ = 0;
  uint64_t buffered_pcs_ = 0;
  uint64_t last_drain_monotonic_ = 0;  // when the clocks were last compared
  int64_t last_clock_offset_ = 0;
  std::vector<std::pair<uint64_t, int64_t>> clock_steps_;  // (monotonic ns from which, step ns), in order
  uint64_t dropped_samples_ = 0;
  bool seen_any_ = false;
  std::atomic<bool> stop_{false};
  std::condition_variable cv_;
  std::thread thread_;
  std::optional<capture::ReaderMarker> marker_;
};

}  // namespace lambdascope::lambda::extension
