// The unwinder in-process: complete stacks through libc without frame pointers, limits, and hostile
// registers and memory (it must never fault outside the guard nor read outside its bounds).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <link.h>
#include <pthread.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <cstdlib>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "agent/code_cache.hpp"
#include "agent/mmap_buffer.hpp"
#include "agent/ring_format.hpp"
#include "agent/safe_access.hpp"
#include "agent/stack_walker.hpp"
#include "agent/unwind_table.hpp"
#include "symbolize/elf_symbols.hpp"

namespace lambdascope::agent {
namespace {

WalkInput here(const ucontext_t& uc) {
  WalkInput in;
  in.pc = static_cast<uintptr_t>(uc.uc_mcontext.gregs[REG_RIP]);
  in.sp = static_cast<uintptr_t>(uc.uc_mcontext.gregs[REG_RSP]);
  in.fp = static_cast<uintptr_t>(uc.uc_mcontext.gregs[REG_RBP]);
  pthread_attr_t attr;
  pthread_getattr_np(pthread_self(), &attr);
  void* addr;
  size_t size;
  pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  in.stack_lo = reinterpret_cast<uintptr_t>(addr);
  in.stack_hi = in.stack_lo + size;
  return in;
}

// Names of PCs: dladdr for libraries, the executable's own symbol table for the test binary (which exports
// nothing).
std::vector<std::string> names(const uint64_t* pcs, uint32_t n) {
  static std::shared_ptr<const symbolize::ElfSymbols> exe = [] {
    std::string error;
    return symbolize::ElfSymbols::load("/proc/self/exe", {}, &error);
  }();
  uintptr_t exe_bias = 0;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        *static_cast<uintptr_t*>(out) = info->dlpi_addr;
        return 1;  // the first entry is the executable
      },
      &exe_bias);
  std::vector<std::string> out;
  for (uint32_t i = 0; i < n; ++i) {
    uintptr_t pc = i == 0 ? pcs[i] : pcs[i] - 1;
    Dl_info info;
    std::string name = "?";
    if (dladdr(reinterpret_cast<void*>(pc), &info) && info.dli_sname) name = info.dli_sname;
    if (const symbolize::ElfSymbol* sym = exe ? exe->find(pc - exe_bias) : nullptr) name = exe->name(*sym);
    out.push_back(name);
  }
  return out;
}

struct Captured {
  uint64_t pcs[256];
  uint32_t depth = 0;
  WalkStats stats;
};
Captured g_captured;
uint32_t g_max = 256;

extern "C" __attribute__((noinline)) int walker_test_compare(const void* a, const void* b) {
  if (g_captured.depth == 0) {
    ucontext_t uc;
    getcontext(&uc);
    g_captured.depth = walk_stack(code_cache_current(), here(uc), g_captured.pcs, g_max, &g_captured.stats);
  }
  return *static_cast<const int*>(a) - *static_cast<const int*>(b);
}

extern "C" __attribute__((noinline, visibility("default"))) void walker_test_sort_caller() {
  int values[64];
  for (int i = 0; i < 64; ++i) values[i] = 64 - i;
  qsort(values, 64, sizeof(int), walker_test_compare);
  __asm__ volatile("" ::: "memory");
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (x == s) return true;
  return false;
}

TEST(StackWalker, CompleteThroughQsort) {
  code_cache_refresh(true);
  g_captured = Captured{};
  g_max = 256;
  walker_test_sort_caller();
  auto frames = names(g_captured.pcs, g_captured.depth);
  ASSERT_GT(g_captured.depth, 3u);
  EXPECT_EQ(frames[0], "walker_test_compare") << ::testing::PrintToString(frames);
  EXPECT_TRUE(contains(frames, "walker_test_sort_caller")) << ::testing::PrintToString(frames);
  // Between the callback and its caller: qsort's frames (libc's, or ASan's qsort in ASan builds), code
  // without frame pointers.
  size_t caller_at = 0;
  for (size_t i = 0; i < frames.size(); ++i)
    if (frames[i] == "walker_test_sort_caller") caller_at = i;
  EXPECT_GE(caller_at, 2u) << ::testing::PrintToString(frames);
  EXPECT_TRUE(contains(frames, "__libc_start_main")) << ::testing::PrintToString(frames);
  EXPECT_TRUE(g_captured.stats.flags & ring::kSampleComplete) << ::testing::PrintToString(frames);
}

TEST(StackWalker, DepthLimitTruncates) {
  code_cache_refresh(true);
  g_captured = Captured{};
  g_max = 3;
  walker_test_sort_caller();
  EXPECT_EQ(g_captured.depth, 3u);
  EXPECT_TRUE(g_captured.stats.flags & ring::kSampleTruncated);
  g_max = 256;
}

TEST(StackWalker, HostileRegistersAndStackNeverCrash) {
  code_cache_refresh(true);
  ASSERT_TRUE(install_fault_guard());
  std::mt19937_64 rng(7);
  // A fake stack of random words, half of them pointing back into it, and a page after it unmapped so
  // guarded reads beyond it fault.
  size_t page = 4096;
  auto* mem = static_cast<uint8_t*>(
      mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(mem, MAP_FAILED);
  munmap(mem + 2 * page, page);
  auto* words = reinterpret_cast<uintptr_t*>(mem);
  const size_t n = 2 * page / 8;
  const CodeLibList* libs = code_cache_current();
  uint64_t pcs[128];
  uint64_t faults = 0;
  for (int round = 0; round < 2000; ++round) {
    for (size_t i = 0; i < n; ++i)
      words[i] = rng() % 2 ? reinterpret_cast<uintptr_t>(mem) + (rng() % (3 * page)) : rng();
    WalkInput in;
    in.pc = libs->libs[rng() % libs->count].start + rng() % 4096;
    in.sp = reinterpret_cast<uintptr_t>(mem) + (rng() % (page / 8)) * 8;
    in.fp = rng() % 2 ? reinterpret_cast<uintptr_t>(mem) + (rng() % (3 * page)) : rng();
    if (round % 2 == 0) {
      in.stack_lo = reinterpret_cast<uintptr_t>(mem);  // known bounds: plain reads inside them only
      in.stack_hi = reinterpret_cast<uintptr_t>(mem) + 2 * page;
    } else {
      in.guarded = true;  // unknown bounds: guarded reads, which fault at the unmapped page
    }
    WalkStats stats;
    uint32_t depth = walk_stack(libs, in, pcs, 128, &stats);
    ASSERT_GE(depth, 1u);
    ASSERT_LE(depth, 128u);
    faults += stats.faults;
  }
  EXPECT_GT(faults, 0u);  // the guard was exercised
  munmap(mem, 2 * page);
}

TEST(StackWalker, WithoutBoundsOrGuardOnlyThePc) {
  code_cache_refresh(true);
  ucontext_t uc;
  getcontext(&uc);
  WalkInput in = here(uc);
  in.stack_lo = in.stack_hi = 0;
  in.guarded = false;
  uint64_t pcs[16];
  WalkStats stats;
  EXPECT_EQ(walk_stack(code_cache_current(), in, pcs, 16, &stats), 1u);
}

// GCC's epilogue `pop %rbp; ...; ret` keeps the rule "rbp saved at CFA-16" after the pop (the rows of the
// ASan build's compare_ints in sort_work, from `readelf --debug-dump=frames-interp`). Interrupted there, the
// slot is below the stack pointer and rbp already holds the caller's value: the walk goes on to the caller
// and, by that rbp, to its caller. It used to stop at the leaf (about one sample in 300 of compare_ints).
TEST(StackWalker, AnEpilogueThatPoppedRbpKeepsItsCallers) {
  const FrameRow rows[] = {{0x00, 8, kFpSame, kRuleSp, 0},
                           {0x01, 16, -16, kRuleSp, 0},
                           {0x04, 16, -16, kRuleFp, 0},
                           {0x78, 8, -16, kRuleSp, 0},
                           {0x87, 16, -16, kRuleFp, 0}};
  constexpr uintptr_t kCode = 0x40000000;  // never read: every pc here has a row
  CodeLibList libs{};
  libs.count = 1;
  libs.bytes = sizeof libs;
  CodeLib& lib = libs.libs[0];
  lib.start = lib.load_start = lib.base = lib.bias = kCode;
  lib.end = lib.load_end = kCode + 0xb0;
  lib.rows = rows;
  lib.num_rows = std::size(rows);
  lib.index = build_row_index(rows, std::size(rows), 0xb0, &lib.index_bytes, &lib.num_buckets);
  ASSERT_NE(lib.index, nullptr);
  for (uintptr_t at : {0x7e, 0x86}) {  // after `pop %rbp`, and at `ret`
    // slots[0]: the popped rbp, below the stack pointer; slots[1]: the return address into the caller, which
    // has no rows (frame pointers); slots[2..3]: the caller's frame, outermost, returning to 0x60000000.
    uint64_t slots[4] = {0, 0x50000000, 0, 0x60000000};
    slots[0] = reinterpret_cast<uintptr_t>(&slots[2]);
    WalkInput in;
    in.pc = kCode + at;
    in.sp = reinterpret_cast<uintptr_t>(&slots[1]);
    in.fp = reinterpret_cast<uintptr_t>(&slots[2]);
    in.stack_lo = in.sp;
    in.stack_hi = reinterpret_cast<uintptr_t>(&slots[4]);
    uint64_t pcs[16];
    WalkStats stats;
    ASSERT_EQ(walk_stack(&libs, in, pcs, 16, &stats), 3u) << "at " << at;
    EXPECT_EQ(pcs[1], 0x50000000u);
    EXPECT_EQ(pcs[2], 0x60000000u);
    EXPECT_TRUE(stats.flags & ring::kSampleComplete);
  }
  MmapBuffer<uint32_t>::release(const_cast<uint32_t*>(lib.index), lib.index_bytes);
}

}  // namespace
}  // namespace lambdascope::agent
