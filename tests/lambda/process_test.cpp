// Child processes, their trees, freezing and memory: the pieces the sandbox is made of, on plain programs.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "lambda/emulator/freezer.hpp"
#include "lambda/emulator/process.hpp"
#include "lambda/emulator/process_tree.hpp"

namespace lambdascope::lambda {
namespace {

using namespace std::chrono_literals;

ProcessSpec shell(const std::string& script) {
  ProcessSpec spec;
  spec.name = "test shell";
  spec.argv = {"/bin/sh", "-c", script};
  spec.env = {"PATH=/usr/bin:/bin"};
  return spec;
}

TEST(Process, OutputArrivesLineByLineAndTheExitStatusIsCollected) {
  std::mutex mu;
  std::vector<std::string> lines;
  std::atomic<int> status{-1};
  auto p = Process::spawn(
      shell("echo one; echo two >&2; printf 'no newline'; exit 3"),
      [&](const std::string& line) {
        std::lock_guard<std::mutex> lock(mu);
        lines.push_back(line);
      },
      [&](int s) { status = s; });
  ASSERT_TRUE(p->wait_exit(Clock::now() + 5s));
  EXPECT_EQ(describe_wait_status(p->wait_status()), "exit status 3");
  p.reset();  // joins the output thread
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "no newline"}));
  EXPECT_TRUE(WIFEXITED(status.load()));
}

TEST(Process, AProgramThatCannotRunIsASpawnError) {
  ProcessSpec spec;
  spec.name = "missing";
  spec.argv = {"/nonexistent/program"};
  EXPECT_THROW(Process::spawn(spec, nullptr, nullptr), SpawnError);
}

TEST(Process, SignalsReachTheWholeGroupAndAreDescribedLikeGo) {
  auto p = Process::spawn(shell("sleep 30 & sleep 30; wait"), nullptr, nullptr);
  std::this_thread::sleep_for(100ms);
  auto tree = process_tree({p->pid()});
  EXPECT_GE(tree.size(), 3u);  // the shell and both sleeps
  p->signal_group(SIGKILL);
  ASSERT_TRUE(p->wait_exit(Clock::now() + 5s));
  EXPECT_EQ(describe_wait_status(p->wait_status()), "signal: killed");
  std::this_thread::sleep_for(100ms);
  for (pid_t pid : tree) {
    auto state = process_state(pid);
    EXPECT_TRUE(!state || *state == 'Z') << pid;  // the background sleep died with the group
  }
}

TEST(Freezer, StopsTheTreeAndContinuesIt) {
  auto p = Process::spawn(shell("while :; do :; done & sleep 30"), nullptr, nullptr);
  std::this_thread::sleep_for(100ms);
  Freezer f;
  f.freeze({p->pid()});
  EXPECT_TRUE(f.frozen());
  auto frozen = f.frozen_pids();
  EXPECT_GE(frozen.size(), 3u);
  for (pid_t pid : frozen) EXPECT_EQ(process_state(pid), 'T') << pid;
  f.thaw({p->pid()});
  EXPECT_FALSE(f.frozen());
  std::this_thread::sleep_for(50ms);
  for (pid_t pid : frozen) EXPECT_NE(process_state(pid), 'T') << pid;
  p.reset();  // SIGKILLs the group
}

TEST(ProcessTree, PeakMemoryIsReadFromProc) {
  EXPECT_GT(peak_rss_kb(getpid()), 100u);
  EXPECT_EQ(peak_rss_kb(-1), 0u);
  EXPECT_EQ(process_state(getpid()), 'R');
}

}  // namespace
}  // namespace lambdascope::lambda
