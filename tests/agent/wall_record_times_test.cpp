// Wall mode's records carry the time their stack was taken: an idle record repeats the thread's previous
// stack, so one that gives that stack CPU time (weight 0: the thread ran there, then blocked) must carry
// that stack's time, not the time the sampler noticed. A later time put the stack where the thread no longer
// was: in the Lambda extension, into the next invocation's window.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "capture/ring_reader.hpp"
#include "support/test_support.hpp"

extern char** environ;

namespace lambdascope::agent {
namespace {

using namespace std::chrono_literals;

TEST(WallRecordTimes, CpuOfAPreviousStackCarriesThatStacksTime) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  std::string program = std::string(LS_AGENT_WORKLOADS) + "/burn_then_wait";
  std::vector<std::string> env_strings = {"LD_PRELOAD=" + std::string(LS_AGENT_SO),
                                          "LAMBDASCOPE_RING_DIR=" + dir, "LAMBDASCOPE_MODE=wall",
                                          "LAMBDASCOPE_HZ=99", "ASAN_OPTIONS=verify_asan_link_order=0"};
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string rounds = "30";
  char* argv[] = {program.data(), rounds.data(), nullptr};
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv, envp.data()), 0);

  // Read the ring while the program runs (so the agent keeps it at exit for us), then once more after.
  std::string path = dir + "/lambdascope-" + std::to_string(pid) + "-0.ring";
  std::unique_ptr<capture::RingReader> reader;
  capture::RingData data;
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  pid_t done = 0;
  while (done == 0 && std::chrono::steady_clock::now() < deadline) {
    if (reader == nullptr) {
      std::string error;
      reader = capture::RingReader::open(path, &error);
    } else {
      reader->poll(data);
    }
    done = waitpid(pid, &status, WNOHANG);
    if (done == 0) std::this_thread::sleep_for(5ms);
  }
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    FAIL() << "burn_then_wait did not finish within 60 s";
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_NE(reader, nullptr) << "no ring at " << path;
  reader->poll(data);
  EXPECT_EQ(data.corrupt_records, 0u);

  std::map<int32_t, uint64_t> stack_time;  // tid -> time of its last stack, in ring order
  size_t weightless = 0;
  for (const capture::RawSample& s : data.samples) {
    if (!s.idle) {
      stack_time[s.tid] = s.time_ns;
      continue;
    }
    if (s.weight != 0 || s.cpu_ns == 0) continue;
    auto it = stack_time.find(s.tid);
    if (it == stack_time.end()) continue;  // no stack yet: nothing to repeat
    ++weightless;
    EXPECT_EQ(s.time_ns, it->second) << "thread " << s.tid << ": CPU time given to the stack taken "
                                     << (s.time_ns - it->second) / 1000 << " us before this record's time";
  }
  // The worker blocks after computing in every round: the sampler sees that often.
  EXPECT_GT(weightless, 0u) << data.samples.size() << " records";
}

}  // namespace
}  // namespace lambdascope::agent
