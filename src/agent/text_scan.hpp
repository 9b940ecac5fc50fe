// Reading numbers out of /proc text without the C library (the sampler thread and the maps writer never
// allocate): each function reads at `p`, stops at `end` or the first character it does not take, and leaves
// `p` there. The counterpart of path_format.hpp.
#pragma once

#include <cstdint>

namespace lambdascope::agent {

inline uint64_t hex(const char*& p, const char* end) {
  uint64_t v = 0;
  for (; p < end; ++p) {
    char c = *p;
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) break;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  return v;
}

inline uint64_t dec(const char*& p, const char* end) {
  uint64_t v = 0;
  for (; p < end && *p >= '0' && *p <= '9'; ++p) v = v * 10 + static_cast<uint64_t>(*p - '0');
  return v;
}

inline void skip_spaces(const char*& p, const char* end) {
  while (p < end && *p == ' ') ++p;
}

}  // namespace lambdascope::agent
