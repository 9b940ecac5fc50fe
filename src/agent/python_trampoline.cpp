#include "agent/python_trampoline.hpp"

#include "agent/safe_access.hpp"

namespace lambdascope::agent {

namespace {

// Reads the byte at `addr` through an aligned guarded load of the word holding it.
bool code_byte(uintptr_t addr, uintptr_t* word_addr, uintptr_t* word, uint8_t* out) {
  uintptr_t aligned = addr & ~uintptr_t{7};
  if (aligned != *word_addr) {
    if (!ls_safe_load(reinterpret_cast<const uintptr_t*>(aligned), word)) return false;
    *word_addr = aligned;
  }
  *out = static_cast<uint8_t>(*word >> (8 * (addr & 7)));
  return true;
}

// True when the bytes at `at` are `pattern` (little-endian x86-64 code).
bool code_matches(uintptr_t at, const uint8_t* pattern, int size, uintptr_t* word_addr, uintptr_t* word) {
  for (int i = 0; i < size; ++i) {
    uint8_t b;
    if (!code_byte(at + static_cast<uintptr_t>(i), word_addr, word, &b) || b != pattern[i]) return false;
  }
  return true;
}

}  // namespace

PyTrampoline python_trampoline_at(uintptr_t ra) {
#if defined(__x86_64__)
  static constexpr uint8_t kCallRcx[] = {0xff, 0xd1};
  static constexpr uint8_t kAddRet[] = {0x48, 0x83, 0xc4, 0x08, 0xc3};  // add $8,%rsp; ret
  static constexpr uint8_t kPopRet[] = {0x5d, 0xc3};                    // pop %rbp; ret
  if (ra < 4096) return PyTrampoline::kNone;
  uintptr_t word_addr = 1, word = 0;  // 1: no aligned word read yet
  if (!code_matches(ra - 2, kCallRcx, 2, &word_addr, &word)) return PyTrampoline::kNone;
  if (code_matches(ra, kAddRet, 5, &word_addr, &word)) return PyTrampoline::kKeepsFp;
  if (code_matches(ra, kPopRet, 2, &word_addr, &word)) return PyTrampoline::kSavesFp;
#else
  (void)ra;
#endif
  return PyTrampoline::kNone;
}

}  // namespace lambdascope::agent
