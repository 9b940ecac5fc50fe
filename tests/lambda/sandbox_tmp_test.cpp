#include "lambda/emulator/sandbox_tmp.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.hpp"

namespace lambdascope::lambda {
namespace {

namespace fs = std::filesystem;

void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "x";
}

// A pid that is certainly not running: a child that has exited and been reaped.
pid_t dead_pid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

TEST(SandboxTmp, RemovesFilesOfGoneProcessesOnly) {
  testing::TempDir dir;
  fs::path tmp = dir.path;
  pid_t gone = dead_pid(), alive = getpid();
  std::string g = std::to_string(gone), a = std::to_string(alive);
  touch(tmp / ("perf-" + g + ".map"));
  touch(tmp / ("lambdascope-" + g + "-0.ring"));
  touch(tmp / "lambdascope-rings" / "123" / ("lambdascope-" + g + "-1.ring"));
  touch(tmp / "lambdascope-rings" / "456" / ("lambdascope-" + g + "-0.ring"));
  touch(tmp / "lambdascope-rings" / "456" / ("lambdascope-" + a + "-0.ring"));
  touch(tmp / "lambdascope-rings" / "123" / (".reader-" + g));
  touch(tmp / "lambdascope-rings" / "456" / (".reader-" + g + "x"));
  touch(tmp / ("perf-" + a + ".map"));
  touch(tmp / ("perf-" + g + ".map.bak"));                     // not a perf map
  touch(tmp / "deeper" / "a" / "b" / ("perf-" + g + ".map"));  // perf maps are only in /tmp itself
  touch(tmp / ("lambdascope-" + g + "-0.ring.txt"));

  EXPECT_EQ(remove_tmp_files_of({gone, alive}, tmp.string()), 5u);
  EXPECT_FALSE(fs::exists(tmp / ("perf-" + g + ".map")));
  EXPECT_FALSE(fs::exists(tmp / ("lambdascope-" + g + "-0.ring")));
  EXPECT_FALSE(fs::exists(tmp / "lambdascope-rings" / "123"));  // emptied: removed
  EXPECT_TRUE(fs::exists(tmp / "lambdascope-rings" / "456" / ("lambdascope-" + a + "-0.ring")));
  EXPECT_TRUE(fs::exists(tmp / ("perf-" + a + ".map")));
  EXPECT_TRUE(fs::exists(tmp / ("perf-" + g + ".map.bak")));
  EXPECT_TRUE(fs::exists(tmp / "deeper" / "a" / "b" / ("perf-" + g + ".map")));
  EXPECT_TRUE(fs::exists(tmp / ("lambdascope-" + g + "-0.ring.txt")));
  EXPECT_TRUE(fs::exists(tmp / "lambdascope-rings" / "456" / (".reader-" + g + "x")));
}

TEST(SandboxTmp, PidsNotSeenAreLeftAlone) {
  testing::TempDir dir;
  pid_t gone = dead_pid();
  touch(fs::path(dir.path) / ("perf-" + std::to_string(gone) + ".map"));
  EXPECT_EQ(remove_tmp_files_of({}, dir.path), 0u);
  EXPECT_EQ(remove_tmp_files_of({gone + 1000000}, dir.path), 0u);
  EXPECT_TRUE(fs::exists(fs::path(dir.path) / ("perf-" + std::to_string(gone) + ".map")));
}

}  // namespace
}  // namespace lambdascope::lambda
