// Reads machine code (and words near it) at an address that may not be mapped (another object's code, JIT
// code being freed): through aligned fault-guarded loads while the fault guard is ours, else through
// process_vm_readv on this process, a system call that fails instead of faulting (for programs that took
// SIGSEGV over, as Node.js does: the guard is then lost). Async-signal-safe; never allocates.
#pragma once

#include <sys/uio.h>

#include <cstdint>

#include "agent/safe_access.hpp"
#include "agent/syscalls.hpp"

namespace lambdascope::agent {

class CodeBytes {
 public:
  explicit CodeBytes(bool guarded) : guarded_(guarded) {}

  // The 8-byte word at `addr` (aligned); false when it cannot be read.
  bool word(uintptr_t addr, uintptr_t* out) {
    if ((addr & 7) != 0) return false;
    if (guarded_) return ls_safe_load(reinterpret_cast<const uintptr_t*>(addr), out);
    if (pid_ == 0) pid_ = sys::getpid();
    struct iovec local {
      out, sizeof *out
    };
    struct iovec remote {
      reinterpret_cast<void*>(addr), sizeof *out
    };
    return sys::call(SYS_process_vm_readv, pid_, reinterpret_cast<long>(&local), 1,
                     reinterpret_cast<long>(&remote), 1, 0) == static_cast<long>(sizeof *out);
  }
  // The byte at `addr`; false when its word cannot be read.
  bool byte(uintptr_t addr, uint8_t* out) {
    const uintptr_t aligned = addr & ~uintptr_t{7};
    if (aligned != word_addr_) {
      if (!word(aligned, &word_)) return false;
      word_addr_ = aligned;
    }
    *out = static_cast<uint8_t>(word_ >> (8 * (addr & 7)));
    return true;
  }
  // True when the bytes at `at` are `pattern`.
  bool matches(uintptr_t at, const uint8_t* pattern, int size) {
    for (int i = 0; i < size; ++i) {
      uint8_t b;
      if (!byte(at + static_cast<uintptr_t>(i), &b) || b != pattern[i]) return false;
    }
    return true;
  }

 private:
  bool guarded_;
  int pid_ = 0;
  uintptr_t word_addr_ = 1;  // 1: no aligned word read yet
  uintptr_t word_ = 0;
};

}  // namespace lambdascope::agent
