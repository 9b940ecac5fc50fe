#include "agent/python_trampoline.hpp"

#include "agent/code_bytes.hpp"

namespace lambdascope::agent {

PyTrampoline python_trampoline_at(uintptr_t ra) {
#if defined(__x86_64__)
  static constexpr uint8_t kCallRcx[] = {0xff, 0xd1};
  static constexpr uint8_t kAddRet[] = {0x48, 0x83, 0xc4, 0x08, 0xc3};  // add $8,%rsp; ret
  static constexpr uint8_t kPopRet[] = {0x5d, 0xc3};                    // pop %rbp; ret
  if (ra < 4096) return PyTrampoline::kNone;
  CodeBytes code(/*guarded=*/true);
  if (!code.matches(ra - 2, kCallRcx, 2)) return PyTrampoline::kNone;
  if (code.matches(ra, kAddRet, 5)) return PyTrampoline::kKeepsFp;
  if (code.matches(ra, kPopRet, 2)) return PyTrampoline::kSavesFp;
#else
  (void)ra;
#endif
  return PyTrampoline::kNone;
}

}  // namespace lambdascope::agent
