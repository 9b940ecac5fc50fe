// Reads machine code at an address that may not be mapped (another object's code, JIT code being freed):
// byte by byte through aligned fault-guarded loads of the words holding them, the last word kept.
// Async-signal-safe; never allocates. Only while the fault guard is installed (safe_access.hpp).
#pragma once

#include <cstdint>

#include "agent/safe_access.hpp"

namespace lambdascope::agent {

class CodeBytes {
 public:
  // The byte at `addr`; false when its word cannot be read.
  bool byte(uintptr_t addr, uint8_t* out) {
    const uintptr_t aligned = addr & ~uintptr_t{7};
    if (aligned != word_addr_) {
      if (!ls_safe_load(reinterpret_cast<const uintptr_t*>(aligned), &word_)) return false;
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
  uintptr_t word_addr_ = 1;  // 1: no aligned word read yet
  uintptr_t word_ = 0;
};

}  // namespace lambdascope::agent
