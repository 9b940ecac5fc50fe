// Freezing the sandbox between invocations, as Lambda does: every process of the runtime and of the
// extensions (and their children) is stopped with SIGSTOP after the last of them has called /next, and
// continued with SIGCONT before the next event is handed out. Without a writable cgroup freezer this is the
// closest equivalent: stopped processes get no CPU and their timers' signals wait, but CLOCK_MONOTONIC and
// wall clocks keep running (on Lambda they do too).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <vector>

namespace lambdascope::lambda {

class Freezer {
 public:
  // Stops the trees rooted at `roots`; returns once the kernel reports every process stopped (or after
  // `settle`, for a process stuck in uninterruptible sleep). Processes started while freezing are caught by
  // rescanning until the set is stable.
  void freeze(const std::vector<pid_t>& roots,
              std::chrono::milliseconds settle = std::chrono::milliseconds(500));
  // Continues everything frozen before, plus the current trees of `roots`.
  void thaw(const std::vector<pid_t>& roots);
  bool frozen() const;
  std::vector<pid_t> frozen_pids() const;

 private:
  mutable std::mutex mu_;
  std::vector<pid_t> frozen_;
  bool is_frozen_ = false;
};

}  // namespace lambdascope::lambda
