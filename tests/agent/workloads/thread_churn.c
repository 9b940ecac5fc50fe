// Creates many short-lived threads (default 10,000, eight at a time) that each do a little work, some of them
// exiting through pthread_exit. Prints the work's result and how many POSIX timers the process still has
// (/proc/self/timers) after an optional pause (argv[2], ms): the agent must delete each thread's timer when it
// ends. (A thread the agent's periodic scan found just as it was exiting can get a timer after its own exit
// hook ran; the next scan deletes it, which the pause lets happen.)
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

__attribute__((noinline)) static uint64_t work(uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 20000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

static void* worker(void* arg) {
  uintptr_t i = (uintptr_t)arg;
  uint64_t r = work(i) & 1;
  if (i % 3 == 0) pthread_exit((void*)(uintptr_t)r);
  return (void*)(uintptr_t)r;
}

static int count_timers(void) {
  FILE* f = fopen("/proc/self/timers", "r");
  if (!f) return -1;
  char line[256];
  int n = 0;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "ID:", 3) == 0) ++n;
  fclose(f);
  return n;
}

int main(int argc, char** argv) {
  int total = argc > 1 ? atoi(argv[1]) : 10000;
  uint64_t sum = 0;
  for (int i = 0; i < total; i += 8) {
    pthread_t t[8];
    int n = 0;
    for (; n < 8 && i + n < total; ++n) pthread_create(&t[n], NULL, worker, (void*)(uintptr_t)(i + n));
    for (int k = 0; k < n; ++k) {
      void* r;
      pthread_join(t[k], &r);
      sum += (uintptr_t)r;
    }
  }
  printf("threads=%d sum=%llu\n", total, (unsigned long long)sum);
  int settle_ms = argc > 2 ? atoi(argv[2]) : 0;
  struct timespec pause = {settle_ms / 1000, (long)(settle_ms % 1000) * 1000000L};
  while (settle_ms > 0 && nanosleep(&pause, &pause) != 0) {
  }
  fprintf(stderr, "timers=%d\n", count_timers());
  return 0;
}
