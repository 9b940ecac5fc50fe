// Building file names without the C library's formatting (normal context, but also a forked child and the
// sampler thread, which never allocate): bounded appends of text and decimal numbers, always NUL-terminated.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lambdascope::agent {

// Appends `s` at out[at] within `size` bytes; returns the new length.
inline size_t append(char* out, size_t at, size_t size, const char* s) {
  while (*s && at + 1 < size) out[at++] = *s++;
  out[at] = '\0';
  return at;
}

inline size_t append_number(char* out, size_t at, size_t size, uint64_t v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0 && at + 1 < size) out[at++] = digits[--n];
  out[at] = '\0';
  return at;
}

}  // namespace lambdascope::agent
