#include "lambda/emulator/freezer.hpp"

#include <signal.h>

#include <algorithm>
#include <set>
#include <thread>

#include "lambda/emulator/process_tree.hpp"

namespace lambdascope::lambda {

void Freezer::freeze(const std::vector<pid_t>& roots, std::chrono::milliseconds settle) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<pid_t> stopped(frozen_.begin(), frozen_.end());
  for (int round = 0; round < 5; ++round) {
    bool added = false;
    for (pid_t pid : process_tree(roots)) {
      if (stopped.insert(pid).second) {
        kill(pid, SIGSTOP);
        added = true;
      }
    }
    if (!added) break;
  }
  frozen_.assign(stopped.begin(), stopped.end());
  is_frozen_ = true;
  // SIGSTOP is asynchronous; wait until it has taken effect so "frozen" means no sandbox code runs.
  auto deadline = std::chrono::steady_clock::now() + settle;
  while (std::chrono::steady_clock::now() < deadline) {
    bool all = std::all_of(frozen_.begin(), frozen_.end(), [](pid_t pid) {
      auto state = process_state(pid);
      return !state || *state == 'T' || *state == 't' || *state == 'Z' || *state == 'X';
    });
    if (all) break;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

void Freezer::thaw(const std::vector<pid_t>& roots) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<pid_t> all(frozen_.begin(), frozen_.end());
  for (pid_t pid : process_tree(roots)) all.insert(pid);
  for (pid_t pid : all) kill(pid, SIGCONT);
  frozen_.clear();
  is_frozen_ = false;
}

bool Freezer::frozen() const {
  std::lock_guard<std::mutex> lock(mu_);
  return is_frozen_;
}

std::vector<pid_t> Freezer::frozen_pids() const {
  std::lock_guard<std::mutex> lock(mu_);
  return frozen_;
}

}  // namespace lambdascope::lambda
