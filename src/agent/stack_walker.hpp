// The unwinder of the signal handler: .eh_frame tables where an object has them (code without frame
// pointers), frame pointers elsewhere (JIT code, objects without tables), every memory read validated. A
// leaf with neither (a frameless builtin) keeps its caller when the word at the stack pointer follows a call
// to code near it (stack_walker.cpp says how that is judged; the code is read as code_bytes.hpp says).
// Async-signal-safe: no calls into libc, no allocation, no locks.
//
// Reads are allowed only inside [sp, stack_hi) of the interrupted thread when its stack bounds are known
// (then they cannot fault), or, when they are not, inside [sp, sp + kMaxUnknownStack) through fault-guarded
// loads, and only if the fault guard is installed and SIGSEGV is not blocked in the interrupted context
// (a fault while it is blocked would kill the process). Otherwise the stack is just the interrupted PC.
#pragma once

#include <cstdint>

#include "agent/code_cache.hpp"

namespace lambdascope::agent {

inline constexpr uintptr_t kMaxUnknownStack = 8u << 20;

struct WalkInput {
  uintptr_t pc = 0;
  uintptr_t sp = 0;
  uintptr_t fp = 0;
  uintptr_t stack_lo = 0;  // the thread's stack, when known (0 = unknown)
  uintptr_t stack_hi = 0;
  bool guarded = false;  // fault-guarded loads may be used
  // The interrupted general registers by their x86-64 number (rax 0, rcx 1, ... r15 15), when known: the
  // target of the call that entered a frameless leaf may be computed from them.
  bool have_regs = false;
  uint64_t regs[16] = {};
};

struct WalkStats {
  uint16_t flags = 0;   // ring::kSampleTruncated, ring::kSampleComplete
  uint32_t faults = 0;  // guarded loads that faulted
};

// Writes up to `max` PCs, innermost first (pcs[0] is the interrupted PC, the others return addresses).
uint32_t walk_stack(const CodeLibList* libs, const WalkInput& in, uint64_t* pcs, uint32_t max,
                    WalkStats* stats);

}  // namespace lambdascope::agent
