// A freeze (Lambda between invocations; SIGSTOP in `lambdascope local`) interrupts every thread's wait, and a
// timed wait goes on in restart_syscall: /proc then names that call, not the one the thread waits in. Taken
// for a new wait, it cost every such thread a signal (a wake and a stack walk) after each thaw.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "capture/ring_reader.hpp"
#include "support/test_support.hpp"

extern char** environ;

namespace lambdascope::agent {
namespace {

using namespace std::chrono_literals;

TEST(WallFreeze, AWaitThatAFreezeInterruptedIsTheSameWait) {
  testing::TempDir dir;
  // Four threads in one long timed wait, the main thread joining them: nothing runs but the freezes.
  std::string program = std::string(LS_AGENT_WORKLOADS) + "/frozen_wait";
  std::vector<std::string> env_strings = {"LD_PRELOAD=" + std::string(LS_AGENT_SO),
                                          "LAMBDASCOPE_RING_DIR=" + dir.path,
                                          "LAMBDASCOPE_MODE=wall",
                                          "LAMBDASCOPE_HZ=99",
                                          "LAMBDASCOPE_TABLE_DELAY_MS=0",
                                          "ASAN_OPTIONS=verify_asan_link_order=0"};
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string seconds = "60";  // ended by SIGKILL once measured
  char* argv[] = {program.data(), seconds.data(), nullptr};
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv, envp.data()), 0);
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      kill(pid, SIGCONT);
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reaper{pid};

  std::string path = dir.path + "/lambdascope-" + std::to_string(pid) + "-0.ring";
  std::unique_ptr<capture::RingReader> reader;
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       reader == nullptr && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
    std::string error;
    reader = capture::RingReader::open(path, &error);
  }
  ASSERT_NE(reader, nullptr) << "no ring at " << path;
  // Every thread sampled in its wait, even on a busy machine.
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       reader->counter(ring::kThreadsSeen) < 5 && std::chrono::steady_clock::now() < deadline;)
    std::this_thread::sleep_for(10ms);
  ASSERT_GE(reader->counter(ring::kThreadsSeen), 5u);
  std::this_thread::sleep_for(300ms);

  const uint64_t signals_before = reader->counter(ring::kSignalsSent);
  const uint64_t reads_before = reader->counter(ring::kStateReads);
  const uint64_t idle_before = reader->counter(ring::kIdleSamples);
  constexpr int kFreezes = 8;
  for (int i = 0; i < kFreezes; ++i) {
    ASSERT_EQ(kill(pid, SIGSTOP), 0);
    std::this_thread::sleep_for(150ms);  // longer than the sampler's 50 ms threshold for a freeze
    ASSERT_EQ(kill(pid, SIGCONT), 0);
    std::this_thread::sleep_for(200ms);
  }
  // Still sampling: the waits' periods went on being written.
  EXPECT_GT(reader->counter(ring::kIdleSamples), idle_before);
  EXPECT_EQ(reader->counter(ring::kSignalsSent) - signals_before, 0u)
      << reader->counter(ring::kStateReads) - reads_before << " reads of thread state in " << kFreezes
      << " freezes";
}

}  // namespace
}  // namespace lambdascope::agent
