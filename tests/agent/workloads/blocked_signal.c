// Two computing threads, one of which blocks every signal for its whole life (a common pattern: workers
// block signals, one thread handles them). The agent must neither hang nor disturb it; that thread simply
// has no samples.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static uint64_t compute(double secs) {
  uint64_t x = 1;
  double end = now() + secs;
  while (now() < end)
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ull + 1;
  return x | 1;
}

static void* blocked_thread(void* arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "blocked");
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  return (void*)(uintptr_t)(compute(0.6) != 0);
}

static void* open_thread(void* arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "open");
  return (void*)(uintptr_t)(compute(0.6) != 0);
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, blocked_thread, NULL);
  pthread_create(&b, NULL, open_thread, NULL);
  void *ra, *rb;
  pthread_join(a, &ra);
  pthread_join(b, &rb);
  printf("blocked=%d open=%d\n", (int)(uintptr_t)ra, (int)(uintptr_t)rb);
  return 0;
}
