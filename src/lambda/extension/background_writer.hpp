// The thread that turns ready windows into stored profiles, off the invocation's critical path: it takes
// windows from the cutter in time order, cuts their samples from the rings, decides whether the invocation
// is kept (LAMBDASCOPE_SAMPLE_RATE, LAMBDASCOPE_MIN_DURATION_MS: decided once the window is known, so the
// function never pays for it), symbolizes and serializes, and hands the result to the spool. It runs at a
// lower CPU priority than the function. Only this thread symbolizes (the Symbolizer is not thread-safe).
// While no window is ready it prepares symbolization: the samples that arrived since the last look are
// symbolized and thrown away, so the symbol indexes of the runtime's binaries and libraries and the perf
// map read so far are cached before SHUTDOWN, and writing a window then is lookups and compression.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "lambda/extension/profile_writer.hpp"
#include "lambda/extension/ring_follower.hpp"
#include "lambda/extension/window_cutter.hpp"
#include "store/spool.hpp"

namespace lambdascope::lambda::extension {

struct WriterStats {
  uint64_t written = 0;
  uint64_t skipped_sample_rate = 0;
  uint64_t skipped_min_duration = 0;
  uint64_t skipped_no_agent = 0;  // no ring ever appeared
  uint64_t failed = 0;
  uint64_t partly_unsymbolized = 0;  // written with some frames left as addresses (out of time)
  uint64_t samples = 0;
  uint64_t bytes = 0;
};

class BackgroundWriter {
 public:
  struct Options {
    double sample_rate = 1.0;
    double min_duration_ms = 0;
    bool lower_priority = true;
    std::string ring_dir;  // for the log line when no ring appears
    bool prepare_symbols = true;
  };
  // `spool` may be null (no usable destination): profiles are then counted as failed.
  BackgroundWriter(Options options, WindowCutter& cutter, RingFollower& follower, ProfileWriter& writer,
                   store::Spool* spool);
  ~BackgroundWriter();

  void start();
  void stop();
  void wake();
  // Wakes the thread and waits until it found no ready window (or the deadline): everything ready when
  // this was called has been written to the spool. False at the deadline.
  bool drain(std::chrono::steady_clock::time_point deadline);

  WriterStats stats() const;
  // At SHUTDOWN the function no longer needs the CPU: the thread goes back to normal priority (where the
  // process may: an unprivileged one cannot undo nice without RLIMIT_NICE; on Lambda nothing outside the
  // sandbox competes anyway, but on a busy machine a nice-10 thread gets next to nothing).
  void raise_priority();
  // Stops taking windows (the one being written is finished): at SHUTDOWN, once time is up, so that what is
  // counted as not saved stays so.
  void pause();
  // Windows not yet handed to the spool: taken and not finished, or still in the cutter.
  size_t unsaved() const;
  // From now on symbolizing stops at `t`: what is written later keeps its unnamed addresses (with their
  // mappings and build ids) instead of missing the deadline (SHUTDOWN sets it).
  void set_symbolize_deadline(std::chrono::steady_clock::time_point t);

 private:
  void loop();
  void process(Window window);
  void prepare_symbols();
  std::chrono::steady_clock::time_point next_look() const;

  Options options_;
  WindowCutter& cutter_;
  RingFollower& follower_;
  ProfileWriter& writer_;
  store::Spool* spool_;
  std::mt19937_64 rng_{std::random_device{}()};
  uint64_t reported_follower_drops_ = 0;
  bool warned_no_agent_ = false;
  std::string ring_dir_;
  int64_t prepared_to_ns_ = 0;  // samples before this realtime were symbolized ahead
  std::chrono::steady_clock::time_point last_prepare_{};
  std::chrono::steady_clock::time_point last_window_{};  // when a window was last processed

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  bool stop_ = false;
  bool wake_ = false;
  bool paused_ = false;
  pid_t tid_ = 0;                // the thread's, once it runs
  uint64_t drain_requests_ = 0;  // drain() calls so far
  uint64_t drained_ = 0;         // the requests a look that found nothing ready had seen
  size_t in_hand_ = 0;           // windows taken from the cutter and not yet processed
  std::chrono::steady_clock::time_point symbolize_by_ = std::chrono::steady_clock::time_point::max();
  WriterStats stats_;
  std::thread thread_;
};

}  // namespace lambdascope::lambda::extension
