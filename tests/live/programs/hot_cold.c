// A CPU-bound program with a known profile: hot() runs the same loop as cold(), three times as long, so hot
// holds 75% of the CPU time and cold 25%. Runs for argv[1] seconds (default 30), or until the file argv[2]
// exists, then prints "done".
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

#define SPIN(n)                                                    \
  do {                                                             \
    unsigned long x = sink;                                        \
    for (unsigned long i = 0; i < (n); ++i) x = x * 2862933555777941757UL + 3037000493UL; \
    sink = x;                                                      \
  } while (0)

__attribute__((noinline)) void hot(void) { SPIN(3000000); }
__attribute__((noinline)) void cold(void) { SPIN(1000000); }

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 30;
  double end = now() + seconds;
  const char* stop_file = argc > 2 ? argv[2] : NULL;
  while (now() < end && (stop_file == NULL || access(stop_file, F_OK) != 0)) {
    hot();
    cold();
  }
  printf("done\n");
  return 0;
}
