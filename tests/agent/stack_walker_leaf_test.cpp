// A leaf without a frame of its own (V8's builtins called from baseline code, assembly routines; no unwind
// row): the frame-pointer rule steps from it to its caller's caller, and the caller's return address is
// still at the stack pointer. The walker takes it when it follows a call whose target is near the pc (the
// leaf, or code that jumped to it), and only then.
// (Sorted after safe_access_test, which must install the fault guard first.)
#include <gtest/gtest.h>

#include "agent/code_cache.hpp"
#include "agent/code_page.hpp"
#include "agent/ring_format.hpp"
#include "agent/safe_access.hpp"
#include "agent/stack_walker.hpp"

namespace lambdascope::agent {
namespace {

// The leaf at offset 64 (nops), interrupted at 68, and calls that end at:
constexpr size_t kLeaf = 64, kLeafPc = kLeaf + 4;
constexpr size_t kDirect = 5;     // 0: call leaf (e8 rel32)
constexpr size_t kRootReg = 15;   // 8: call [r13 + 0x100] (41 ff 95 disp32), as V8's baseline code calls
constexpr size_t kJumped = 21;    // 16: call to code past the leaf, which jumped to it
constexpr size_t kRipSlot = 30;   // 24: call [rip + disp32] (ff 15), the slot at 101 holding the leaf
constexpr size_t kFar = 37;       // 32: call to code 256 MB away
constexpr size_t kRegister = 42;  // 40: call rax (ff d0)
constexpr size_t kNotACall = 56;  // nops before it
constexpr size_t kSlot = 101;     // 8-aligned in the page (123 + 101)

uint64_t root_table[1];  // what [r13 + 0x100] reads

const CodePage& code() {
  static CodePage* page = [] {
    static uint8_t bytes[128];
    for (uint8_t& b : bytes) b = 0x90;
    auto put32 = [](size_t at, int64_t v) {
      for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<uint8_t>(v >> (8 * i));
    };
    auto call = [&](size_t at, int64_t target) {
      bytes[at] = 0xe8;
      put32(at + 1, target - static_cast<int64_t>(at + 5));
    };
    call(0, kLeaf);
    bytes[8] = 0x41, bytes[9] = 0xff, bytes[10] = 0x95;
    put32(11, 0x100);
    call(16, 96);
    bytes[24] = 0xff, bytes[25] = 0x15;
    put32(26, static_cast<int64_t>(kSlot) - static_cast<int64_t>(kRipSlot));
    call(32, int64_t{256} << 20);
    bytes[40] = 0xff, bytes[41] = 0xd0;
    return new CodePage(bytes, sizeof bytes, [](uint8_t* at) {
      const auto leaf = reinterpret_cast<uint64_t>(at + kLeaf);
      std::memcpy(at + kSlot, &leaf, 8);
    });
  }();
  return *page;
}

// The leaf interrupted with `top` at its stack pointer; rbp still the caller's: a frame whose saved rbp is 0
// (outermost) and whose return address is 0x50000000 (the caller's caller). r13 and rax as its caller
// left them for the calls through them.
struct LeafStack {
  uint64_t slots[6] = {};
  WalkInput input(uintptr_t top) {
    slots[0] = top;
    slots[2] = 0;
    slots[3] = 0x50000000;
    WalkInput in;
    in.pc = code().at(kLeafPc);
    in.sp = reinterpret_cast<uintptr_t>(&slots[0]);
    in.fp = reinterpret_cast<uintptr_t>(&slots[2]);
    in.stack_lo = in.sp;
    in.stack_hi = reinterpret_cast<uintptr_t>(&slots[6]);
    in.guarded = fault_guard_active();
    root_table[0] = code().at(kLeaf);
    in.have_regs = true;
    in.regs[13] = reinterpret_cast<uintptr_t>(&root_table[0]) - 0x100;
    in.regs[0] = code().at(kLeaf);
    return in;
  }
};

TEST(StackWalkerLeaf, AFramelessLeafKeepsTheCallerOfTheCallThatEnteredIt) {
  ASSERT_TRUE(install_fault_guard());
  uint64_t pcs[16];
  for (size_t ret : {kDirect, kRootReg, kJumped, kRipSlot, kRegister}) {
    WalkStats stats;
    LeafStack s;
    uint32_t n = walk_stack(nullptr, s.input(code().at(ret)), pcs, 16, &stats);
    ASSERT_EQ(n, 3u) << "the call ending at " << ret;
    EXPECT_EQ(pcs[0], code().at(kLeafPc));
    EXPECT_EQ(pcs[1], code().at(ret));  // the caller, which the frame pointers skip
    EXPECT_EQ(pcs[2], 0x50000000u);
    EXPECT_TRUE(stats.flags & ring::kSampleComplete);
  }
}

TEST(StackWalkerLeaf, AWordThatIsNoSuchReturnAddressIsLeftAlone) {
  ASSERT_TRUE(install_fault_guard());
  uint64_t pcs[16];
  // A call to code far away; code not after a call; a stack address; not code.
  for (uintptr_t top : {code().at(kFar), code().at(kNotACall), uintptr_t{0x7ffc12345678}, uintptr_t{3}}) {
    WalkStats stats;
    LeafStack s;
    uint32_t n = walk_stack(nullptr, s.input(top), pcs, 16, &stats);
    ASSERT_EQ(n, 2u) << std::hex << top;
    EXPECT_EQ(pcs[1], 0x50000000u);
  }
  // The registers changed since the call (the target read through them is elsewhere), or unknown.
  for (bool known : {true, false}) {
    for (size_t ret : {kRootReg, kRegister}) {
      WalkStats stats;
      LeafStack s;
      WalkInput in = s.input(code().at(ret));
      in.have_regs = known;
      in.regs[13] = reinterpret_cast<uintptr_t>(&s.slots[3]) - 0x100;  // reads 0x50000000, not the leaf
      in.regs[0] = 0x50000000;
      EXPECT_EQ(walk_stack(nullptr, in, pcs, 16, &stats), 2u) << ret << (known ? " known" : " unknown");
    }
  }
}

// A program that took SIGSEGV over (Node.js, the JVM) leaves no fault guard: code is then read with
// process_vm_readv, and only for a leaf in a loaded object (V8's builtins in node's text); a leaf in JIT
// code (anonymous memory, like this page) keeps the frame-pointer rule.
TEST(StackWalkerLeaf, WithoutTheFaultGuardOnlyALeafInALoadedObjectIsConsidered) {
  uint64_t pcs[16];
  WalkStats stats;
  LeafStack s;
  WalkInput in = s.input(code().at(kDirect));
  in.guarded = false;
  EXPECT_EQ(walk_stack(nullptr, in, pcs, 16, &stats), 2u);
}

// The same leaves in a loaded object (an entry of the object list, without unwind rows, covers the page):
// without the fault guard their code and the call slots are read with process_vm_readv, and each keeps its
// caller as it does under the guard.
TEST(StackWalkerLeaf, WithoutTheFaultGuardALeafInALoadedObjectKeepsItsCaller) {
  CodeLibList libs{};
  libs.count = 1;
  libs.bytes = sizeof libs;
  libs.libs[0].start = libs.libs[0].load_start = libs.libs[0].base = libs.libs[0].bias = code().at(0);
  libs.libs[0].end = libs.libs[0].load_end = code().at(128);
  uint64_t pcs[16];
  for (size_t ret : {kDirect, kRootReg, kJumped, kRipSlot, kRegister}) {
    WalkStats stats;
    LeafStack s;
    WalkInput in = s.input(code().at(ret));
    in.guarded = false;
    ASSERT_EQ(walk_stack(&libs, in, pcs, 16, &stats), 3u) << "the call ending at " << ret;
    EXPECT_EQ(pcs[1], code().at(ret));
    EXPECT_EQ(pcs[2], 0x50000000u);
    EXPECT_EQ(stats.faults, 0u);
  }
  // And a word that is no such return address is still left alone there.
  WalkStats stats;
  LeafStack s;
  WalkInput in = s.input(code().at(kFar));
  in.guarded = false;
  EXPECT_EQ(walk_stack(&libs, in, pcs, 16, &stats), 2u);
}

}  // namespace
}  // namespace lambdascope::agent
