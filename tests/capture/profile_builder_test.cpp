// From ring records to a profile: symbolized stacks (return addresses at pc-1, inlines, JIT names from the
// perf map), wall-clock times through the anchor, thread names over time, idle records, truncation.
#include "capture/profile_builder.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "formats/input_source.hpp"
#include "formats/reader.hpp"
#include "formats/writers.hpp"
#include "support/test_support.hpp"

namespace lambdascope::capture {
namespace {

namespace ring = agent::ring;

std::string fixture(const std::string& relative) {
  return std::string(LS_SYMBOLIZE_FIXTURES) + "/" + relative;
}

uint64_t vaddr_of(const char* symbol) {
  void* h = dlopen(fixture("libfixture.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  void* p = dlsym(h, symbol);
  Dl_info info;
  dladdr(p, &info);
  return reinterpret_cast<uint64_t>(p) - reinterpret_cast<uint64_t>(info.dli_fbase);
}

std::vector<std::string> names(const profile::Profile& p, profile::StackId s) {
  std::vector<std::string> out;
  for (profile::FrameId f : p.stacks.frames_root_first(s)) out.emplace_back(p.frame_name(f));
  return out;
}

class Builder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir();
    data_.info.pid = 4242;
    data_.info.mode = ring::Mode::kCpu;
    data_.info.hz = 100;
    data_.info.period_ns = 10000000;
    data_.info.anchor_monotonic_ns = 1000;
    data_.info.anchor_realtime_ns = 1700000000000000000ull;
    // The fixture mapped at 0x10000000 (file offset 0 = vaddr 0 in this small library).
    RawMapping m;
    m.time_ns = 1000;
    m.start = 0x10000000;
    m.end = 0x10100000;
    m.inode = 1;
    m.path = fixture("stripped/libfixture.so");
    data_.mappings.push_back(m);
    RawMapping jit;
    jit.time_ns = 1000;
    jit.start = 0x20000000;
    jit.end = 0x20001000;
    data_.mappings.push_back(jit);
    std::ofstream(dir_ + "/perf-4242.map") << "20000100 40 JS:*hot file.js:1:1\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void add_sample(uint64_t time, int tid, std::vector<uint64_t> pcs, uint16_t flags = 0) {
    RawSample s;
    s.time_ns = time;
    s.tid = tid;
    s.weight = 2;
    s.flags = flags;
    s.first_pc = static_cast<uint32_t>(data_.pcs.size());
    s.depth = static_cast<uint32_t>(pcs.size());
    data_.pcs.insert(data_.pcs.end(), pcs.begin(), pcs.end());
    data_.samples.push_back(s);
  }
  symbolize::SymbolizeOptions options() {
    symbolize::SymbolizeOptions o;
    o.perf_map_dir = dir_;
    return o;
  }
  std::string dir_;
  RingData data_;
};

TEST_F(Builder, StacksTimesThreadsAndJit) {
  const uint64_t base = 0x10000000;
  uint64_t alpha = base + vaddr_of("_ZN7fixture5alphaEm"), beta = base + vaddr_of("fixture_beta");
  data_.thread_names.push_back({1500, 7, "worker"});
  data_.thread_names.push_back({5000, 7, "renamed"});
  // Leaf in alpha; a return address right after a call at the very end of beta would be beta+size: pc-1 keeps
  // it in beta. Here: the JIT frame calls alpha, beta calls the JIT code.
  add_sample(2000, 7, {alpha + 2, 0x20000110, beta + 5});
  add_sample(6000, 7, {alpha + 2, 0x20000110, beta + 5});
  add_sample(6000, 8, {0x30000000});  // outside everything
  profile::Profile p;
  init_profile(p, data_.info);
  symbolize::Symbolizer sym(options());
  add_ring(p, data_, sym);
  ASSERT_EQ(p.num_samples(), 3u);
  EXPECT_EQ(p.meta.sample_types[1].type, "cpu");
  EXPECT_EQ(p.meta.period, 10000000);
  EXPECT_EQ(names(p, p.samples.stack[0]), (std::vector<std::string>{"fixture_beta", "JS:*hot file.js:1:1",
                                                                    "fixture::alpha(unsigned long)"}));
  EXPECT_EQ(p.frames[p.stacks.frame(p.samples.stack[0])].kind, profile::FrameKind::kNative);
  EXPECT_EQ(p.frames[p.stacks.frame(p.stacks.parent(p.samples.stack[0]))].kind, profile::FrameKind::kJit);
  EXPECT_EQ(p.value(0, 0), 2);         // weight
  EXPECT_EQ(p.value(0, 1), 20000000);  // weight x period
  EXPECT_EQ(p.samples.time_ns[0], static_cast<int64_t>(1700000000000000000ull + 1000));
  EXPECT_EQ(p.samples.tid[0], 7);
  EXPECT_EQ(p.samples.pid[0], 4242);
  EXPECT_EQ(p.strings[p.samples.thread_name[0]], "worker");
  EXPECT_EQ(p.strings[p.samples.thread_name[1]], "renamed");
  EXPECT_EQ(names(p, p.samples.stack[2]), (std::vector<std::string>{"[unknown]"}));
  // Seven PCs in the samples, four distinct: each symbolized once.
  EXPECT_EQ(sym.stats().lookups, 4u);
}

TEST_F(Builder, IdleRecordsRepeatTheLastStackAndTruncationIsMarked) {
  uint64_t alpha = 0x10000000 + vaddr_of("_ZN7fixture5alphaEm");
  data_.info.mode = ring::Mode::kWall;
  add_sample(2000, 7, {alpha + 2}, ring::kSampleTruncated);
  RawSample idle;
  idle.time_ns = 3000;
  idle.tid = 7;
  idle.weight = 1;
  idle.idle = true;
  data_.samples.push_back(idle);
  idle.tid = 9;  // never sampled
  data_.samples.push_back(idle);
  profile::Profile p;
  init_profile(p, data_.info);
  symbolize::Symbolizer sym(options());
  add_ring(p, data_, sym);
  ASSERT_EQ(p.num_samples(), 3u);
  EXPECT_EQ(p.meta.sample_types[1].type, "wall");
  EXPECT_EQ(names(p, p.samples.stack[0]),
            (std::vector<std::string>{"[truncated]", "fixture::alpha(unsigned long)"}));
  EXPECT_EQ(p.samples.stack[1], p.samples.stack[0]);
  EXPECT_EQ(names(p, p.samples.stack[2]), (std::vector<std::string>{"[not sampled yet]"}));
}

// Wall rings of version 2: samples, wall and cpu; a sample of a thread that did not run ends in a waiting
// frame named after its innermost blocking call; threads that never ran can be left out and counted.
TEST_F(Builder, WallSamplesCarryCpuAndWaitingIsMarked) {
  std::ofstream(dir_ + "/perf-4242.map", std::ios::app) << "20000200 40 __futex_abstimed_wait_common\n"
                                                        << "20000300 40 __GI___clock_nanosleep\n"
                                                        << "20000400 40 epoll_wait\n"
                                                        << "20000500 40 JS:*blockOnLock file.js:2:1\n";
  data_.info.mode = ring::Mode::kWall;
  data_.info.version = 2;
  add_sample(2000, 7, {0x20000110});  // running: hot
  data_.samples.back().cpu_ns = 9000000;
  add_sample(3000, 7, {0x20000210, 0x20000510});  // blocked in a futex
  data_.samples.back().cpu_ns = 1000000;
  RawSample idle;
  idle.time_ns = 4000;
  idle.tid = 7;
  idle.weight = 1;
  idle.idle = idle.waiting = true;
  data_.samples.push_back(idle);
  add_sample(5000, 8, {0x20000310});  // a sleeper given its earlier stack by a reader: waiting
  data_.samples.back().waiting = true;
  add_sample(6000, 9, {0x20000410});  // a thread that ran, now in epoll
  add_sample(7000, 9, {0x20000410});
  data_.samples.back().waiting = true;

  profile::Profile p;
  init_profile(p, data_.info);
  symbolize::Symbolizer sym(options());
  add_ring(p, data_, sym);
  ASSERT_EQ(p.meta.sample_types.size(), 3u);
  EXPECT_EQ(p.meta.sample_types[1].type, "wall");
  EXPECT_EQ(p.meta.sample_types[2].type, "cpu");
  EXPECT_EQ(p.meta.sample_types[2].unit, "nanoseconds");
  ASSERT_EQ(p.num_samples(), 6u);
  EXPECT_EQ(p.value(0, 2), 9000000);
  EXPECT_EQ(p.value(1, 2), 1000000);
  EXPECT_EQ(p.value(2, 2), 0);
  EXPECT_EQ(names(p, p.samples.stack[1]),
            (std::vector<std::string>{"JS:*blockOnLock file.js:2:1", "__futex_abstimed_wait_common"}));
  EXPECT_EQ(names(p, p.samples.stack[2]),
            (std::vector<std::string>{"JS:*blockOnLock file.js:2:1", "__futex_abstimed_wait_common",
                                      "[waiting: lock]"}));
  EXPECT_EQ(p.frames[p.stacks.frame(p.samples.stack[2])].kind, profile::FrameKind::kWaiting);
  EXPECT_EQ(p.frame_module(p.stacks.frame(p.samples.stack[2])), "[waiting]");
  EXPECT_EQ(names(p, p.samples.stack[3]).back(), "[waiting: sleep]");
  EXPECT_EQ(names(p, p.samples.stack[4]).back(), "epoll_wait");
  EXPECT_EQ(names(p, p.samples.stack[5]).back(), "[waiting: I/O]");

  // Thread 8 never ran in this slice: left out when asked, and counted.
  profile::Profile q;
  init_profile(q, data_.info);
  BuildOptions o;
  o.omit_idle_threads = true;
  add_ring(q, data_, sym, o);
  EXPECT_EQ(q.num_samples(), 5u);
  for (size_t i = 0; i < q.num_samples(); ++i) EXPECT_NE(q.samples.tid[i], 8);
  ASSERT_FALSE(q.meta.comments.empty());
  EXPECT_EQ(q.meta.comments.back(), "pid 4242: 1 idle threads left out (they did not run in this window)");
}

// Rings written by version 1 agents have no CPU time: wall profiles of them keep two sample types.
TEST_F(Builder, VersionOneWallRingsHaveNoCpuType) {
  data_.info.mode = ring::Mode::kWall;
  data_.info.version = 1;
  add_sample(2000, 7, {0x20000110});
  profile::Profile p;
  init_profile(p, data_.info);
  symbolize::Symbolizer sym(options());
  add_ring(p, data_, sym);
  ASSERT_EQ(p.meta.sample_types.size(), 2u);
  EXPECT_EQ(p.value(0, 1), 20000000);
}

TEST_F(Builder, LinesAndInlines) {
  uint64_t alpha_v = vaddr_of("_ZN7fixture5alphaEm");
  symbolize::SymbolizeOptions o = options();
  o.lines = true;
  symbolize::Symbolizer sym(o);
  // Find an address inside the inlined helper.
  symbolize::MappingSpan m;
  m.start = 0x10000000;
  m.end = 0x10100000;
  m.inode = 1;
  m.path = fixture("stripped/libfixture.so");
  bool found = false;
  for (uint64_t a = alpha_v; a < alpha_v + 64 && !found; ++a) {
    const auto& frames = sym.symbolize(1, &m, 0x10000000 + a, false);
    if (frames.size() == 2) {
      found = true;
      EXPECT_EQ(frames[0].kind, profile::FrameKind::kInlined);
      EXPECT_EQ(frames[0].name, "fixture::inlined_helper(unsigned long)");
      EXPECT_EQ(frames[1].name, "fixture::alpha(unsigned long)");
      EXPECT_GT(frames[1].line, 0u);
    }
  }
  EXPECT_TRUE(found);
}

// A deadline that passed before symbolizing began: every address stays an address, with its mapping and
// build id, in a profile that is still complete (every sample, its values and times), and says so; pprof
// keeps them, and its reader names them the same way and counts them.
TEST_F(Builder, PassedDeadlineLeavesAddressesWithMappingsAndBuildIds) {
  const uint64_t base = 0x10000000;
  data_.mappings[0].build_id = std::string("\x12\xab\x00\xff", 4);
  data_.mappings[0].offset = 0x2000;
  uint64_t alpha = base + vaddr_of("_ZN7fixture5alphaEm");
  add_sample(2000, 7, {alpha + 2, 0x20000110, 0x30000000});
  add_sample(3000, 7, {alpha + 2, 0x20000110, 0x30000000});
  profile::Profile p;
  init_profile(p, data_.info);
  symbolize::Symbolizer sym(options());
  BuildOptions o;
  o.symbolize_by = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  add_ring(p, data_, sym, o);
  EXPECT_EQ(sym.stats().lookups, 0u);
  ASSERT_EQ(p.num_samples(), 2u);
  EXPECT_EQ(p.samples.stack[0], p.samples.stack[1]);
  char leaf[80];
  std::snprintf(leaf, sizeof leaf, "0x%llx (libfixture.so+0x%llx)",
                static_cast<unsigned long long>(alpha + 2),
                static_cast<unsigned long long>(alpha + 2 - base + 0x2000));
  EXPECT_EQ(names(p, p.samples.stack[0]), (std::vector<std::string>{"0x30000000", "0x20000110", leaf}));
  ASSERT_EQ(p.unsymbolized_frames(), 3u);
  for (profile::FrameId f : p.stacks.frames_root_first(p.samples.stack[0])) {
    const profile::FrameAddress* a = p.addresses.find(f);
    ASSERT_NE(a, nullptr) << p.frame_name(f);
    if (a->address == 0x30000000) {
      EXPECT_EQ(a->mapping, 0u);  // outside every mapping
      continue;
    }
    ASSERT_NE(a->mapping, 0u);
    const profile::Mapping& m = p.addresses.mapping(a->mapping);
    if (a->address == 0x20000110) {
      EXPECT_EQ(m.start, 0x20000000u);
      EXPECT_EQ(p.strings[m.build_id], "");
      continue;
    }
    EXPECT_EQ(a->address, alpha + 2);
    EXPECT_EQ(p.strings[m.path], fixture("stripped/libfixture.so"));
    EXPECT_EQ(m.start, base);
    EXPECT_EQ(m.limit, 0x10100000u);
    EXPECT_EQ(m.file_offset, 0x2000u);
    EXPECT_EQ(p.strings[m.build_id], "12ab00ff");
    EXPECT_EQ(p.frame_module(f), fixture("stripped/libfixture.so"));
  }
  bool said = false;
  for (const std::string& c : p.meta.comments)
    said |= c.find("3 frames left unsymbolized") != std::string::npos;
  EXPECT_TRUE(said);

  // Through pprof and back: the same names, addresses, mappings and build id, and the reader counts them.
  std::vector<std::string> warnings;
  formats::ReadOptions ro;
  ro.format = formats::Format::kPprof;
  ro.warn = [&](const std::string& w) { warnings.push_back(w); };
  auto in = formats::InputSource::from_memory("window.pb.gz", formats::write_pprof(p));
  profile::Profile back = formats::read_profile(*in, ro);
  ASSERT_EQ(back.num_samples(), 2u);
  EXPECT_EQ(names(back, back.samples.stack[0]), names(p, p.samples.stack[0]));
  ASSERT_EQ(back.unsymbolized_frames(), 3u);
  profile::FrameId back_leaf = back.stacks.frame(back.samples.stack[0]);
  const profile::FrameAddress* a = back.addresses.find(back_leaf);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->address, alpha + 2);
  const profile::Mapping& m = back.addresses.mapping(a->mapping);
  EXPECT_EQ(back.strings[m.build_id], "12ab00ff");
  EXPECT_EQ(m.file_offset, 0x2000u);
  EXPECT_EQ(m.limit, 0x10100000u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("window.pb.gz: 3 of " + std::to_string(back.frames.size()) +
                             " frames are unsymbolized addresses"),
            std::string::npos)
      << warnings[0];
}

// Before the deadline nothing changes: the frames are named and none is counted.
TEST_F(Builder, DeadlineNotReachedNamesEverything) {
  add_sample(2000, 7, {0x10000000 + vaddr_of("fixture_beta") + 1});
  profile::Profile p;
  init_profile(p, data_.info);
  symbolize::Symbolizer sym(options());
  BuildOptions o;
  o.symbolize_by = std::chrono::steady_clock::now() + std::chrono::hours(1);
  add_ring(p, data_, sym, o);
  EXPECT_EQ(names(p, p.samples.stack[0]), (std::vector<std::string>{"fixture_beta"}));
  EXPECT_EQ(p.unsymbolized_frames(), 0u);
}

}  // namespace
}  // namespace lambdascope::capture
