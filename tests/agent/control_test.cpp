// Another process controls a running agent through the ring header (what the Lambda extension does): start a
// paused agent, pause it, stop it; and reads samples while the program runs.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "capture/ring_reader.hpp"
#include "support/test_support.hpp"

extern char** environ;

namespace lambdascope::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

template <typename P>
bool wait_for(P pred, std::chrono::milliseconds limit = 5000ms) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

TEST(Control, AnotherProcessStartsPausesAndStopsTheAgent) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  std::string program = std::string(LS_AGENT_WORKLOADS) + "/depth_spin";
  std::vector<std::string> env_strings = {"LD_PRELOAD=" + std::string(LS_AGENT_SO),
                                          "LAMBDASCOPE_RING_DIR=" + dir, "LAMBDASCOPE_START=0",
                                          "LAMBDASCOPE_HZ=499", "ASAN_OPTIONS=verify_asan_link_order=0"};
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string depth = "8", seconds = "1.5";
  char* argv[] = {program.data(), depth.data(), seconds.data(), nullptr};
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv, envp.data()), 0);

  std::string path = dir + "/lambdascope-" + std::to_string(pid) + "-0.ring";
  std::unique_ptr<capture::RingReader> reader;
  ASSERT_TRUE(wait_for([&] {
    std::string error;
    reader = capture::RingReader::open(path, &error);
    return reader != nullptr;
  }));
  ASSERT_TRUE(wait_for([&] { return reader->state() == ring::State::kPaused; }));
  capture::RingData data;
  std::this_thread::sleep_for(200ms);
  reader->poll(data);
  EXPECT_EQ(data.samples.size(), 0u);

  reader->request(ring::Command::kStart);
  ASSERT_TRUE(wait_for([&] { return reader->state() == ring::State::kRunning; }, 1000ms));
  EXPECT_TRUE(wait_for([&] {
    reader->poll(data);
    return data.samples.size() >= 5;
  }));

  reader->request(ring::Command::kPause);
  ASSERT_TRUE(wait_for([&] { return reader->state() == ring::State::kPaused; }, 1000ms));
  std::this_thread::sleep_for(50ms);  // signals already queued
  reader->poll(data);
  size_t at_pause = data.samples.size();
  std::this_thread::sleep_for(300ms);
  reader->poll(data);
  EXPECT_LE(data.samples.size(), at_pause + 1);

  reader->request(ring::Command::kStop);
  ASSERT_TRUE(wait_for([&] { return reader->state() == ring::State::kStopped; }, 1000ms));

  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  reader->poll(data);
  EXPECT_EQ(data.corrupt_records, 0u);
  EXPECT_EQ(data.unfinished_bytes, 0u);
  EXPECT_FALSE(data.mappings.empty());
  EXPECT_EQ(data.info.pid, pid);
  EXPECT_NE(data.info.exe.find("depth_spin"), std::string::npos);
}

}  // namespace
}  // namespace lambdascope::agent
