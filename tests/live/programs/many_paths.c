// A program with thousands of distinct call paths: a recursion whose shape follows a counter, through 16
// functions, to a depth of 12, so nearly every sample has a call path not seen before (up to 16^12).
// Runs for argv[1] seconds (default 30), or until the file argv[2] exists.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;
static unsigned long counter = 1;

typedef void (*step_fn)(int depth);
static step_fn steps[16];

static void spin(void) {
  unsigned long x = sink;
  for (int i = 0; i < 20000; ++i) x = x * 6364136223846793005UL + 1442695040888963407UL;
  sink = x;
}

static void next(int depth) {
  if (depth == 0) {
    spin();
    return;
  }
  counter = counter * 6364136223846793005UL + 1442695040888963407UL;
  steps[(counter >> 33) & 15](depth - 1);
}

#define STEP(n) \
  __attribute__((noinline)) static void step##n(int depth) { next(depth); sink += depth; }
STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
STEP(8) STEP(9) STEP(10) STEP(11) STEP(12) STEP(13) STEP(14) STEP(15)

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  step_fn all[16] = {step0, step1, step2, step3, step4, step5, step6, step7,
                     step8, step9, step10, step11, step12, step13, step14, step15};
  for (int i = 0; i < 16; ++i) steps[i] = all[i];
  double seconds = argc > 1 ? atof(argv[1]) : 30;
  double end = now() + seconds;
  const char* stop_file = argc > 2 ? argv[2] : NULL;
  while (now() < end && (stop_file == NULL || access(stop_file, F_OK) != 0)) next(12);
  printf("done\n");
  return 0;
}
