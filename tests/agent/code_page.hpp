// Machine code for the walker's tests: copied into a page of its own, then made read-only and executable.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <functional>

namespace lambdascope::agent {

class CodePage {
 public:
  // Places `code` so that it straddles an 8-byte boundary (the recognizers read aligned words); `patch`
  // may change it once its address is known, before it is made read-only.
  CodePage(const uint8_t* code, size_t size, const std::function<void(uint8_t* at)>& patch = {}) {
    page_ = static_cast<uint8_t*>(
        mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    at_ = page_ + 123;
    std::memcpy(at_, code, size);
    if (patch) patch(at_);
    mprotect(page_, 4096, PROT_READ | PROT_EXEC);
  }
  ~CodePage() { munmap(page_, 4096); }
  CodePage(const CodePage&) = delete;
  CodePage& operator=(const CodePage&) = delete;
  uintptr_t at(size_t offset) const { return reinterpret_cast<uintptr_t>(at_ + offset); }

 private:
  uint8_t* page_;
  uint8_t* at_;
};

}  // namespace lambdascope::agent
