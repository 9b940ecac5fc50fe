// A library the dlopen test loads and unloads while it is being sampled.
#include <stdint.h>
#include <time.h>

static double thread_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// 3 ms of the thread's CPU per call, whatever the compiler: a fixed count of iterations was 3 ms from gcc and
// a fifteenth of that from clang, which left the profile mostly in dlopen and dlclose.
__attribute__((noinline)) uint64_t dl_work_inner(uint64_t x) {
  volatile uint64_t v = x;
  for (double end = thread_cpu_seconds() + 0.003; thread_cpu_seconds() < end;)
    for (int i = 0; i < 10000; ++i) v = v * 6364136223846793005ull + 1442695040888963407ull;
  return v;
}

uint64_t dl_work(uint64_t seed) {
  return dl_work_inner(seed) | 1;
}
