// The extension's ring follower on ring files written the way the agent writes them (agent::RingWriter
// over a mapped header), with a clock anchor so sample times map to known Unix times.
#include "lambda/extension/ring_follower.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "agent/ring_writer.hpp"
#include "capture/java_frames.hpp"
#include "support/test_support.hpp"

namespace lambdascope::lambda::extension {
namespace {

namespace ring = agent::ring;
namespace fs = std::filesystem;
constexpr int64_t kMs = 1000000;
constexpr uint64_t kAnchorReal = 1700000000000 * kMs;  // Unix ns when the ring's monotonic clock read 0

struct TestRing {
  ring::Header* header = nullptr;
  agent::RingWriter writer;

  TestRing(const std::string& path, int pid, ring::Mode mode = ring::Mode::kCpu) {
    const uint64_t data_size = 1 << 16;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::ftruncate(fd, static_cast<off_t>(ring::kHeaderSize + data_size)), 0);
    void* mem = ::mmap(nullptr, ring::kHeaderSize + data_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    header = static_cast<ring::Header*>(mem);
    header->version = ring::kVersion;
    header->header_size = ring::kHeaderSize;
    header->data_size = data_size;
    header->allocated = data_size;
    header->pid = pid;
    header->mode = static_cast<uint32_t>(mode);
    header->period_ns = 10 * kMs;
    header->anchor_monotonic_ns = 0;
    header->anchor_realtime_ns = kAnchorReal;
    std::memcpy(header->magic, ring::kMagic, 8);
    writer.attach(header);
  }

  // A sample at Unix time kAnchorReal + at_ms, with `depth` made-up return addresses starting at `pc`;
  // in wall mode (`weight` periods, `cpu_ns`) when weight is given.
  // `java`: that many Java frames after the native ones, as the agent writes them under a JVM.
  void sample(int64_t at_ms, int tid, uint64_t pc, uint32_t depth = 3, uint32_t weight = 0,
              uint64_t cpu_ns = 0, uint32_t java = 0) {
    uint32_t size = static_cast<uint32_t>(sizeof(ring::SampleRecord) + (depth + 2 * java) * 8);
    uint8_t* p = writer.reserve(size);
    ASSERT_NE(p, nullptr);
    auto* rec = reinterpret_cast<ring::SampleRecord*>(p);
    rec->time_ns = static_cast<uint64_t>(at_ms * kMs);
    rec->tid = tid;
    rec->weight = weight != 0 ? weight : 1;
    rec->depth = depth;
    rec->cpu_ns = cpu_ns;
    auto* pcs = reinterpret_cast<uint64_t*>(p + sizeof(ring::SampleRecord));
    for (uint32_t i = 0; i < depth; ++i) pcs[i] = pc + i;
    rec->reserved = java;
    for (uint32_t i = 0; i < java; ++i) {
      pcs[depth + 2 * i] = 0x7000 + i;  // jmethodID
      pcs[depth + 2 * i + 1] = 12;      // bci
    }
    uint16_t flags = (weight != 0 ? ring::kSampleWall : 0) | (java != 0 ? ring::kSampleJava : 0);
    agent::RingWriter::publish(p, ring::RecordType::kSample, size, flags);
    writer.count(ring::kSamples);
  }
  void idle(int64_t at_ms, int tid, uint32_t weight = 1) {
    uint8_t* p = writer.reserve(sizeof(ring::IdleRecord));
    ASSERT_NE(p, nullptr);
    auto* rec = reinterpret_cast<ring::IdleRecord*>(p);
    rec->time_ns = static_cast<uint64_t>(at_ms * kMs);
    rec->tid = tid;
    rec->weight = weight;
    agent::RingWriter::publish(p, ring::RecordType::kIdle, sizeof(ring::IdleRecord), 0);
  }
};

int64_t at(int64_t ms) {
  return static_cast<int64_t>(kAnchorReal) + ms * kMs;
}

size_t total_samples(const std::vector<capture::RingData>& slices) {
  size_t n = 0;
  for (const auto& s : slices) n += s.samples.size();
  return n;
}

TEST(RingFollower, CutsWindowsByUnixTimeAndForgetsWhatWasCut) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  TestRing r(dir + "/lambdascope-" + std::to_string(::getppid()) + "-0.ring", ::getppid());
  RingFollower f({.dir = dir});
  f.start();
  for (int ms = 0; ms < 100; ms += 10) r.sample(ms, 1, 0x1000 + ms);
  r.header->java_counters[ring::kAgctGcActive] = 4;  // a JVM's AsyncGetCallTrace failures, per window too
  auto slices = f.cut(at(20), at(49));
  ASSERT_EQ(slices.size(), 1u);
  ASSERT_EQ(slices[0].samples.size(), 3u);  // 20, 30, 40
  EXPECT_EQ(slices[0].pcs[slices[0].samples[0].first_pc], 0x1000u + 20);
  EXPECT_EQ(slices[0].counters[ring::kSamples], 10u);  // since the last cut
  EXPECT_EQ(slices[0].java_counters[ring::kAgctGcActive], 4u);
  EXPECT_EQ(f.earliest_start_ns(), at(0));
  EXPECT_EQ(f.last_sample_ns(at(20), at(49)), at(40));

  f.discard_through(at(49));
  EXPECT_EQ(f.stats().samples_buffered, 5u);
  EXPECT_EQ(total_samples(f.cut(at(0), at(49))), 0u);  // forgotten
  r.sample(120, 1, 0x2000);
  r.header->java_counters[ring::kAgctGcActive] = 6;
  slices = f.cut(at(50), at(200));
  EXPECT_EQ(total_samples(slices), 6u);  // 50..90 and 120
  EXPECT_EQ(slices[0].counters[ring::kSamples], 1u);
  EXPECT_EQ(slices[0].java_counters[ring::kAgctGcActive], 2u);
  f.stop();
}

// The agent counts samples with Java frames in the header, which runs to the moment of the drain: a cut that
// comes late, when the next invocation has already run, must not hand that one's Java samples to this one.
TEST(RingFollower, EachWindowCountsItsOwnSamplesWithJavaFrames) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  TestRing r(dir + "/lambdascope-" + std::to_string(::getppid()) + "-0.ring", ::getppid());
  RingFollower f({.dir = dir});
  f.start();
  for (int ms = 0; ms < 100; ms += 10) r.sample(ms, 1, 0x1000 + ms, 3, 0, 0, ms < 50 ? 2 : 4);
  r.sample(105, 1, 0x3000);                          // native only
  r.header->java_counters[ring::kJavaSamples] = 10;  // every Java sample written before the first cut
  auto slices = f.cut(at(0), at(49));
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(slices[0].java_counters[ring::kJavaSamples], 5u);
  f.discard_through(at(49));
  slices = f.cut(at(50), at(200));
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(slices[0].samples.size(), 6u);
  EXPECT_EQ(slices[0].java_counters[ring::kJavaSamples], 5u);
  EXPECT_EQ(capture::java_counter_lines(slices[0].java_counters).size(), 1u);
  f.stop();
}

// The wall clock stepped while the process ran (a paused VM put right, NTP, a SnapStart restore): samples
// taken after the step belong with the windows of the new time, not where the ring's anchor would put them.
TEST(RingFollower, SamplesAfterAWallClockStepFollowTheNewTime) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  TestRing r(dir + "/lambdascope-" + std::to_string(::getppid()) + "-0.ring", ::getppid());
  std::mutex mu;
  std::pair<uint64_t, int64_t> clocks{0, static_cast<int64_t>(kAnchorReal)};  // as the anchor says
  auto set_clocks = [&](int64_t mono_ms, int64_t offset) {
    std::lock_guard<std::mutex> lock(mu);
    clocks = {static_cast<uint64_t>(mono_ms * kMs), offset};
  };
  RingFollower f({.dir = dir, .interval = std::chrono::hours(1), .clocks = [&] {
                    std::lock_guard<std::mutex> lock(mu);
                    return clocks;
                  }});
  f.start();
  for (int ms = 10; ms <= 40; ms += 10) r.sample(ms, 1, 0x1000 + ms);
  set_clocks(50, static_cast<int64_t>(kAnchorReal));
  f.poll();
  const int64_t step = 10000 * kMs;  // the wall clock put 10 s forward
  set_clocks(80, static_cast<int64_t>(kAnchorReal) + step);
  r.sample(60, 1, 0x2000);
  r.sample(70, 1, 0x2000);
  auto before = f.cut(at(0), at(45));
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].samples.size(), 4u);
  EXPECT_EQ(total_samples(f.cut(at(46), at(100))), 0u);  // where the old anchor would have put them
  auto after = f.cut(at(10000 + 50), at(10000 + 100));
  ASSERT_EQ(after.size(), 1u);
  ASSERT_EQ(after[0].samples.size(), 2u);
  // The profile gives them their new times too.
  const capture::RingInfo& info = after[0].info;
  EXPECT_EQ(static_cast<int64_t>(info.anchor_realtime_ns) +
                static_cast<int64_t>(after[0].samples[0].time_ns) -
                static_cast<int64_t>(info.anchor_monotonic_ns),
            at(10000 + 60));
  f.stop();
}

TEST(RingFollower, AWallModeIdleRecordGetsTheStackFromBeforeTheWindow) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  TestRing r(dir + "/lambdascope-" + std::to_string(::getppid()) + "-0.ring", ::getppid(), ring::Mode::kWall);
  RingFollower f({.dir = dir});
  f.start();
  r.sample(10, 7, 0xabc0, 4);  // the thread's last real stack, before any window
  f.poll();
  f.discard_through(at(15));
  r.idle(20, 7);
  r.idle(30, 7);
  auto slices = f.cut(at(20), at(40));
  ASSERT_EQ(slices.size(), 1u);
  ASSERT_EQ(slices[0].samples.size(), 2u);
  EXPECT_FALSE(slices[0].samples[0].idle);  // given its stack
  EXPECT_EQ(slices[0].samples[0].depth, 4u);
  EXPECT_EQ(slices[0].pcs[slices[0].samples[0].first_pc], 0xabc0u);
  EXPECT_TRUE(slices[0].samples[1].idle);  // repeats the one before, in the window
  f.stop();
}

TEST(RingFollower, AWallSampleHoldsOnlyThePeriodsInsideTheWindow) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  TestRing r(dir + "/lambdascope-" + std::to_string(::getppid()) + "-0.ring", ::getppid(), ring::Mode::kWall);
  RingFollower f({.dir = dir});
  f.start();
  // Periods of 10 ms. A sampler held back from 80 to 300 ms takes the stack at 300 ms: 22 periods, of which
  // the window from 200 ms holds 10 (and the CPU time with them: no more than its wall time).
  r.sample(80, 7, 0x1000, 3, 1, 2 * kMs);
  r.sample(300, 7, 0x1000, 3, 22, 150 * kMs);
  r.sample(310, 7, 0x1000, 3, 1, 5 * kMs);
  auto slices = f.cut(at(200), at(400));
  ASSERT_EQ(slices.size(), 1u);
  ASSERT_EQ(slices[0].samples.size(), 2u);
  EXPECT_EQ(slices[0].samples[0].weight, 10u);
  EXPECT_EQ(slices[0].samples[0].cpu_ns, static_cast<uint64_t>(100 * kMs));
  EXPECT_EQ(slices[0].samples[1].weight, 1u);
  EXPECT_EQ(slices[0].samples[1].cpu_ns, static_cast<uint64_t>(5 * kMs));
  // Inside the window, untouched.
  slices = f.cut(at(0), at(400));
  ASSERT_EQ(slices[0].samples.size(), 3u);
  EXPECT_EQ(slices[0].samples[1].weight, 22u);
  f.stop();
}

// The same for an idle record of a thread whose stack was never taken (the builder shows it as "[not sampled
// yet]"): it holds only its periods inside the window.
TEST(RingFollower, AnIdleRecordOfANeverSampledThreadHoldsOnlyThePeriodsInsideTheWindow) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  TestRing r(dir + "/lambdascope-" + std::to_string(::getppid()) + "-0.ring", ::getppid(), ring::Mode::kWall);
  RingFollower f({.dir = dir});
  f.start();
  r.idle(300, 9, 22);
  auto slices = f.cut(at(200), at(400));
  ASSERT_EQ(slices.size(), 1u);
  ASSERT_EQ(slices[0].samples.size(), 1u);
  EXPECT_TRUE(slices[0].samples[0].idle);
  EXPECT_EQ(slices[0].samples[0].weight, 10u);
  f.stop();
}

// The sampler looks for waits every few tens of ms: a wait that goes on past a window's end is written after
// it, as one record for all its periods. Those before the end are the window's, the rest the next one's.
TEST(RingFollower, AWaitAcrossTheWindowsEndIsSplitBetweenTheWindows) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  TestRing r(dir + "/lambdascope-" + std::to_string(::getppid()) + "-0.ring", ::getppid(), ring::Mode::kWall);
  RingFollower f({.dir = dir});
  f.start();
  // Periods of 10 ms: the thread's stack at 100 ms, then 20 periods of its wait written at 300 ms.
  r.sample(100, 7, 0x1000, 3, 1, 2 * kMs);
  r.idle(300, 7, 20);
  auto first = f.cut(at(0), at(240));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].samples.size(), 2u);
  EXPECT_EQ(first[0].samples[1].weight, 14u);  // 100 to 240 ms
  EXPECT_TRUE(first[0].samples[1].idle);       // repeats the stack before it
  f.discard_through(at(240));
  auto second = f.cut(at(240), at(400));
  ASSERT_EQ(second.size(), 1u);
  ASSERT_EQ(second[0].samples.size(), 1u);
  EXPECT_EQ(second[0].samples[0].weight, 6u);  // 240 to 300 ms: together, the 20 periods
  EXPECT_FALSE(second[0].samples[0].idle);     // the first of its thread here: given the stack it repeats
  EXPECT_EQ(second[0].samples[0].depth, 3u);
  // A running sample is not split: its stack is where the thread was at its end.
  r.sample(500, 7, 0x1000, 3, 20, 0);
  EXPECT_EQ(total_samples(f.cut(at(400), at(450))), 0u);
  f.stop();
}

// Before a cut, the extension waits until the agent says every wait up to the window's end is in the ring.
TEST(RingFollower, WaitsForTheAgentToHaveWrittenItsWaits) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  TestRing r(dir + "/lambdascope-" + std::to_string(::getppid()) + "-0.ring", ::getppid(), ring::Mode::kWall);
  RingFollower f({.dir = dir});
  f.start();
  auto soon = [] { return std::chrono::steady_clock::now() + std::chrono::milliseconds(30); };
  r.header->state = static_cast<uint32_t>(ring::State::kRunning);
  EXPECT_TRUE(f.wait_for_waits(at(240), soon()));  // 0: an agent that does not say
  r.header->waits_through_ns = 100 * kMs;
  EXPECT_FALSE(f.wait_for_waits(at(240), soon()));
  r.header->waits_through_ns = 250 * kMs;
  EXPECT_TRUE(f.wait_for_waits(at(240), soon()));
  r.header->waits_through_ns = 100 * kMs;
  r.header->state = static_cast<uint32_t>(ring::State::kPaused);  // a paused agent writes nothing more
  EXPECT_TRUE(f.wait_for_waits(at(240), soon()));
  f.stop();
}

TEST(RingFollower, AnExitedProcessesRingDoesNotHoldTheWaitForWaits) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  TestRing r(dir + "/lambdascope-" + std::to_string(child) + "-0.ring", child, ring::Mode::kWall);
  r.header->state = static_cast<uint32_t>(ring::State::kRunning);
  r.header->waits_through_ns = 100 * kMs;  // behind the window's end, and it will never write again
  RingFollower f({.dir = dir});
  f.poll();
  EXPECT_TRUE(f.wait_for_waits(at(240), std::chrono::steady_clock::now() + std::chrono::seconds(5)));
}

// The folder is listed again only when its mtime moved (scan_locked): a ring created in the same clock tick
// as the last listing leaves the mtime as it was, as a ring made here with the mtime set back does.
TEST(RingFollower, ARingIsFoundWhenTheFoldersMtimeMovesAndWithinTwentyScansWhenItDoesNot) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  const std::string pid = std::to_string(::getppid());
  const timespec old[2] = {{1600000000, 0}, {1600000000, 0}};  // an mtime that can stand for a listing
  ASSERT_EQ(::utimensat(AT_FDCWD, dir.c_str(), old, 0), 0);
  RingFollower f({.dir = dir});
  f.poll();
  EXPECT_EQ(f.stats().rings, 0u);
  TestRing a(dir + "/lambdascope-" + pid + "-0.ring", ::getppid());
  f.poll();
  EXPECT_EQ(f.stats().rings, 1u) << "the mtime moved: listed again";

  ASSERT_EQ(::utimensat(AT_FDCWD, dir.c_str(), old, 0), 0);
  f.poll();  // a listing the old mtime stands for
  TestRing b(dir + "/lambdascope-" + pid + "-1.ring", ::getppid());
  ASSERT_EQ(::utimensat(AT_FDCWD, dir.c_str(), old, 0), 0);
  int scans = 0;
  while (f.stats().rings != 2u && scans < 40) {
    f.poll();
    ++scans;
  }
  EXPECT_EQ(f.stats().rings, 2u) << "a listing stands for 20 scans at most";
  EXPECT_LE(scans, 20);
}

TEST(RingFollower, RingsOfExitedProcessesGoOnceTheirSamplesAreCut) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // a pid that no longer runs
  std::string path = dir + "/lambdascope-" + std::to_string(child) + "-0.ring";
  std::string perf_map = dir + "/perf-" + std::to_string(child) + ".map";
  std::ofstream(perf_map) << "1000 10 f\n";
  {
    TestRing r(path, child);
    r.sample(10, 1, 0x1000);
  }
  RingFollower::Options o;
  o.dir = dir;
  o.perf_map_dir = dir;
  RingFollower f(o);
  f.poll();  // (not start(): that clears rings of exited processes at once, as a new sandbox generation)
  f.remove_finished_rings();
  EXPECT_TRUE(fs::exists(path)) << "its samples are not cut yet";
  EXPECT_EQ(total_samples(f.cut(at(0), at(20))), 1u);
  f.discard_through(at(20));
  f.remove_finished_rings();
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(perf_map));
  EXPECT_EQ(f.stats().rings, 0u);
}

TEST(RingFollower, StartRemovesLeftoverRingsOfExitedProcesses) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  std::string stale = dir + "/lambdascope-" + std::to_string(child) + "-0.ring";
  std::string live = dir + "/lambdascope-" + std::to_string(::getppid()) + "-0.ring";
  { TestRing r(stale, child); }
  TestRing mine(live, ::getppid());
  RingFollower f({.dir = dir});
  f.start();
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(live));
  f.stop();
}

TEST(RingFollower, BeyondTheMemoryCapSamplesAreDroppedAndCounted) {
  testing::TempDir temp;
  const std::string& dir = temp.path;
  TestRing r(dir + "/lambdascope-" + std::to_string(::getppid()) + "-0.ring", ::getppid());
  RingFollower::Options o;
  o.dir = dir;
  o.max_buffered_pcs = 30;  // ten samples of depth 3
  RingFollower f(o);
  for (int i = 0; i < 15; ++i) r.sample(i, 1, 0x1000);
  f.poll();
  EXPECT_EQ(f.stats().samples_buffered, 10u);
  EXPECT_EQ(f.stats().samples_dropped, 5u);
  f.discard_through(at(100));
  r.sample(200, 1, 0x1000);
  f.poll();
  EXPECT_EQ(f.stats().samples_buffered, 1u);  // room again
}

}  // namespace
}  // namespace lambdascope::lambda::extension
