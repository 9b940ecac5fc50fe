// From ring records to a profile: symbolized stacks (return addresses at pc-1, inlines, JIT names from the
// perf map), wall-clock times through the anchor, thread names over time, idle records, truncation.
#include "symbolize/profile_builder.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/test_support.hpp"

namespace lambdascope::symbolize {
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
  SymbolizeOptions options() {
    SymbolizeOptions o;
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
  Symbolizer sym(options());
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
  Symbolizer sym(options());
  add_ring(p, data_, sym);
  ASSERT_EQ(p.num_samples(), 3u);
  EXPECT_EQ(p.meta.sample_types[1].type, "wall");
  EXPECT_EQ(names(p, p.samples.stack[0]),
            (std::vector<std::string>{"[truncated]", "fixture::alpha(unsigned long)"}));
  EXPECT_EQ(p.samples.stack[1], p.samples.stack[0]);
  EXPECT_EQ(names(p, p.samples.stack[2]), (std::vector<std::string>{"[not sampled yet]"}));
}

TEST_F(Builder, LinesAndInlines) {
  uint64_t alpha_v = vaddr_of("_ZN7fixture5alphaEm");
  SymbolizeOptions o = options();
  o.lines = true;
  Symbolizer sym(o);
  // Find an address inside the inlined helper.
  MappingSpan m;
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

}  // namespace
}  // namespace lambdascope::symbolize
