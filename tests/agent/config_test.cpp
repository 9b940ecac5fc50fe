#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>

#include "agent/config.hpp"
#include "agent/ring_file.hpp"
#include "agent/ring_writer.hpp"
#include "agent/thread_list.hpp"
#include "support/test_support.hpp"

#include <atomic>
#include <filesystem>
#include <thread>

namespace lambdascope::agent {
namespace {

TEST(Config, SignalNames) {
  EXPECT_EQ(parse_signal_name("SIGPROF"), SIGPROF);
  EXPECT_EQ(parse_signal_name("PROF"), SIGPROF);
  EXPECT_EQ(parse_signal_name("27"), 27);
  EXPECT_EQ(parse_signal_name("SIGRTMIN+3"), SIGRTMIN + 3);
  EXPECT_EQ(parse_signal_name("RTMAX-1"), SIGRTMAX - 1);
  EXPECT_EQ(parse_signal_name("SIGNOPE"), 0);
  EXPECT_EQ(parse_signal_name("999"), 0);
  EXPECT_EQ(parse_signal_name("RTMIN+100"), 0);
}

TEST(Config, ReadsTheEnvironmentAndRejectsNonsense) {
  setenv("LAMBDASCOPE_MODE", "wall", 1);
  setenv("LAMBDASCOPE_HZ", "250", 1);
  setenv("LAMBDASCOPE_DEPTH", "100000", 1);    // out of range: default kept
  setenv("LAMBDASCOPE_RING_SIZE", "100K", 1);  // rounded up to a power of two
  setenv("LAMBDASCOPE_START", "0", 1);
  setenv("LAMBDASCOPE_LOG", "0", 1);
  Config c = read_config();
  EXPECT_EQ(c.mode, ring::Mode::kWall);
  EXPECT_EQ(c.hz, 250u);
  EXPECT_EQ(c.max_depth, 128u);
  EXPECT_EQ(c.ring_size, 128u * 1024);
  EXPECT_FALSE(c.start_running);
  for (const char* v : {"LAMBDASCOPE_MODE", "LAMBDASCOPE_HZ", "LAMBDASCOPE_DEPTH", "LAMBDASCOPE_RING_SIZE",
                        "LAMBDASCOPE_START", "LAMBDASCOPE_LOG"})
    unsetenv(v);
  Config d = read_config();
  EXPECT_EQ(d.mode, ring::Mode::kCpu);
  EXPECT_EQ(d.hz, 99u);
  EXPECT_TRUE(d.start_running);
}

TEST(RingFile, HeaderAndOneFilePerImage) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  Config c;
  std::strcpy(c.ring_dir, dir.c_str());
  c.ring_size = 1 << 16;
  char path[320];
  const char* error = nullptr;
  int fd = -1;
  ring::Header* a = create_ring(c, 4242, SIGPROF, 1000000, path, sizeof path, &fd, &error);
  ASSERT_NE(a, nullptr) << error;
  EXPECT_EQ(std::string(path), dir + "/lambdascope-4242-0.ring");
  EXPECT_EQ(std::memcmp(a->magic, ring::kMagic, 8), 0);
  EXPECT_EQ(a->pid, 4242);
  EXPECT_EQ(a->data_size, 1u << 16);
  EXPECT_EQ(a->sequence, 0u);
  EXPECT_GT(a->anchor_realtime_ns, a->anchor_monotonic_ns);
  EXPECT_EQ(std::filesystem::file_size(path), ring::kHeaderSize + (1u << 16));
  EXPECT_EQ(a->allocated, 1u << 16);  // smaller than the initial allocation: all of it
  close(fd);
  // An exec'd image of the same pid gets the next file.
  int fd_b = -1;
  ring::Header* b = create_ring(c, 4242, SIGPROF, 1000000, path, sizeof path, &fd_b, &error);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->sequence, 1u);
  EXPECT_EQ(std::string(path), dir + "/lambdascope-4242-1.ring");
  std::strcpy(c.ring_dir, "/nonexistent/dir");
  EXPECT_EQ(create_ring(c, 1, SIGPROF, 1, path, sizeof path, &fd_b, &error), nullptr);
  EXPECT_NE(std::strstr(error, "LAMBDASCOPE_RING_DIR"), nullptr);
}

// The data region is allocated as the writers advance, doubling, never past the ring; writers stop at the
// allocated end until the next extension.
TEST(RingFile, AllocationGrowsAheadOfTheWriters) {
  testing::TempDir temp;
  const std::string dir = temp.path;
  Config c;
  std::strcpy(c.ring_dir, dir.c_str());
  c.ring_size = 1 << 20;
  char path[320];
  const char* error = nullptr;
  int fd = -1;
  ring::Header* h = create_ring(c, 7, SIGPROF, 1000000, path, sizeof path, &fd, &error);
  ASSERT_NE(h, nullptr) << error;
  EXPECT_EQ(h->allocated, kInitialAllocation);
  ASSERT_TRUE(extend_ring(h, fd));  // not needed yet: more than half of the room is left
  EXPECT_EQ(h->allocated, kInitialAllocation);
  RingWriter w;
  w.attach(h);
  size_t records = 0;
  for (uint8_t* p; (p = w.reserve(4096)) != nullptr; ++records)
    RingWriter::publish(p, ring::RecordType::kPad, 4096, 0);
  EXPECT_EQ(records * 4096, kInitialAllocation);  // stopped at the allocated end, not the ring's
  ASSERT_TRUE(extend_ring(h, fd));
  EXPECT_EQ(h->allocated, 2 * kInitialAllocation);
  EXPECT_NE(w.reserve(4096), nullptr);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(extend_ring(h, fd));
  EXPECT_EQ(h->allocated, 1u << 20);  // never past the ring
  close(fd);
}

TEST(ThreadList, SeesNewThreads) {
  auto count = [] { return for_each_thread([](int, void*) {}, nullptr); };
  int before = count();
  ASSERT_GE(before, 1);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&] {
      while (!go) std::this_thread::yield();
    });
  EXPECT_EQ(count(), before + 3);
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_GE(read_pid_max(), 1024);
}

}  // namespace
}  // namespace lambdascope::agent
