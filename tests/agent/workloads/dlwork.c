// A library the dlopen test loads and unloads while it is being sampled.
#include <stdint.h>

__attribute__((noinline)) uint64_t dl_work_inner(uint64_t x) {
  for (int i = 0; i < 2000000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

uint64_t dl_work(uint64_t seed) {
  return dl_work_inner(seed) | 1;
}
