// Recurses to a given depth, then spins: stacks of a known depth, for truncation and depth tests.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static uint64_t spin(double end) {
  uint64_t x = 1;
  while (now() < end)
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ull + 1;
  return x;
}

__attribute__((noinline)) static uint64_t recurse(int depth, double end) {
  if (depth <= 1) return spin(end);
  uint64_t r = recurse(depth - 1, end);
  __asm__ volatile("" ::: "memory");  // not a tail call
  return r + 1;
}

int main(int argc, char** argv) {
  int depth = argc > 1 ? atoi(argv[1]) : 10;
  double secs = argc > 2 ? atof(argv[2]) : 1.0;
  uint64_t r = recurse(depth, now() + secs);
  printf("done %d\n", (int)(r != 0));
  return 0;
}
