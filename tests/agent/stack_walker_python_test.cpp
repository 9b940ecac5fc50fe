// The walker steps through CPython's perf trampolines (copies of Python/asm_trampoline.S in anonymous
// executable memory, no unwind table, no frame pointer): recognized by their code at the return address,
// CFA = sp + 16. Other anonymous code keeps the frame-pointer rule.
// (Named after stack_walker_test: it installs the fault guard, which safe_access_test must install first.)
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstring>

#include "agent/code_page.hpp"
#include "agent/python_trampoline.hpp"
#include "agent/ring_format.hpp"
#include "agent/safe_access.hpp"
#include "agent/stack_walker.hpp"

namespace lambdascope::agent {
namespace {

// CPython 3.12/3.13 (x86-64, CET): endbr64; sub $8,%rsp; call *%rcx; add $8,%rsp; ret
constexpr uint8_t kKeepsFpCode[] = {0xf3, 0x0f, 0x1e, 0xfa, 0x48, 0x83, 0xec, 0x08,
                                    0xff, 0xd1, 0x48, 0x83, 0xc4, 0x08, 0xc3};
constexpr size_t kKeepsFpReturn = 10;
// The frame-pointer variant: push %rbp; mov %rsp,%rbp; call *%rcx; pop %rbp; ret
constexpr uint8_t kSavesFpCode[] = {0x55, 0x48, 0x89, 0xe5, 0xff, 0xd1, 0x5d, 0xc3};
constexpr size_t kSavesFpReturn = 6;
// Some other JIT code with a call at the same place: call *%rax (ff d0).
constexpr uint8_t kOtherCode[] = {0x48, 0x83, 0xec, 0x08, 0xff, 0xd0, 0x48, 0x83, 0xc4, 0x08, 0xc3};
constexpr size_t kOtherReturn = 6;

TEST(PythonTrampoline, RecognizedByItsCode) {
  ASSERT_TRUE(install_fault_guard());
  CodePage keeps(kKeepsFpCode, sizeof kKeepsFpCode), saves(kSavesFpCode, sizeof kSavesFpCode),
      other(kOtherCode, sizeof kOtherCode);
  EXPECT_EQ(python_trampoline_at(keeps.at(kKeepsFpReturn)), PyTrampoline::kKeepsFp);
  EXPECT_EQ(python_trampoline_at(saves.at(kSavesFpReturn)), PyTrampoline::kSavesFp);
  EXPECT_EQ(python_trampoline_at(other.at(kOtherReturn)), PyTrampoline::kNone);
  EXPECT_EQ(python_trampoline_at(keeps.at(kKeepsFpReturn + 1)), PyTrampoline::kNone);
  EXPECT_EQ(python_trampoline_at(64), PyTrampoline::kNone);  // unmapped: the guarded load fails
}

// A frame-pointer frame (the interrupted one) whose return address is in `code`, then the trampoline's
// frame (16 bytes: padding or saved rbp, return address), then a caller outside any object.
struct FakeStack {
  uint64_t slots[8] = {};
  WalkInput input(uintptr_t ra) {
    slots[0] = 0;  // the interrupted frame's saved rbp
    slots[1] = ra;
    slots[2] = reinterpret_cast<uintptr_t>(&slots[6]);  // the trampoline's slot below its return address
    slots[3] = 0x50000000;                              // the trampoline's caller
    WalkInput in;
    in.pc = 0x40000000;
    in.sp = in.fp = reinterpret_cast<uintptr_t>(&slots[0]);
    in.stack_lo = in.sp;
    in.stack_hi = reinterpret_cast<uintptr_t>(&slots[8]);
    in.guarded = fault_guard_active();
    return in;
  }
};

TEST(PythonTrampoline, WalkerStepsThroughIt) {
  ASSERT_TRUE(install_fault_guard());
  CodePage keeps(kKeepsFpCode, sizeof kKeepsFpCode), saves(kSavesFpCode, sizeof kSavesFpCode),
      other(kOtherCode, sizeof kOtherCode);
  uint64_t pcs[16];

  FakeStack a;
  WalkStats stats;
  uint32_t n = walk_stack(nullptr, a.input(keeps.at(kKeepsFpReturn)), pcs, 16, &stats);
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(pcs[1], keeps.at(kKeepsFpReturn));
  EXPECT_EQ(pcs[2], 0x50000000u);
  // rbp kept its value (0) through the trampoline: the caller is the outermost frame-pointer frame.
  EXPECT_TRUE(stats.flags & ring::kSampleComplete);

  FakeStack b;
  stats = {};
  n = walk_stack(nullptr, b.input(saves.at(kSavesFpReturn)), pcs, 16, &stats);
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(pcs[2], 0x50000000u);
  // rbp restored from the trampoline's frame (&slots[6]): the caller's frame there ends in return address 0.
  EXPECT_TRUE(stats.flags & ring::kSampleComplete);

  // Other anonymous code: frame pointers (rbp = 0 there, so the walk ends at it).
  FakeStack c;
  stats = {};
  n = walk_stack(nullptr, c.input(other.at(kOtherReturn)), pcs, 16, &stats);
  EXPECT_EQ(n, 2u);
}

}  // namespace
}  // namespace lambdascope::agent
