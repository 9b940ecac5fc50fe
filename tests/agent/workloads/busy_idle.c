// One thread burns CPU, one sleeps, the main thread waits for both: CPU mode must give the busy one almost
// everything, wall mode about the same to both. Prints a result that must not change under the agent.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds = 1.5;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static uint64_t busy_step(uint64_t x) {
  for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

static void* busy_thread(void* arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "busy");
  uint64_t x = 1, steps = 0;
  double end = now() + seconds;
  while (now() < end) {
    x = busy_step(x);
    ++steps;
  }
  return (void*)(uintptr_t)(x != 0);
}

static int g_interrupted = 0;  // nanosleep calls that failed with EINTR (a signal reached the sleeper)

__attribute__((noinline)) static void idle_sleep(void) {
  struct timespec req = {0, 50 * 1000 * 1000}, rem;
  while (nanosleep(&req, &rem) == -1 && errno == EINTR) {
    __atomic_fetch_add(&g_interrupted, 1, __ATOMIC_RELAXED);
    req = rem;
  }
}

static void* idle_thread(void* arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "idle");
  double end = now() + seconds;
  int naps = 0;
  while (now() < end) {
    idle_sleep();
    ++naps;
  }
  return (void*)(uintptr_t)(naps > 0);
}

int main(int argc, char** argv) {
  if (argc > 1) seconds = atof(argv[1]);
  pthread_t busy, idle;
  pthread_create(&busy, NULL, busy_thread, NULL);
  pthread_create(&idle, NULL, idle_thread, NULL);
  void *r1, *r2;
  pthread_join(busy, &r1);
  pthread_join(idle, &r2);
  printf("busy=%d idle=%d\n", (int)(uintptr_t)r1, (int)(uintptr_t)r2);
  if (g_interrupted != 0) fprintf(stderr, "busy_idle: nanosleep interrupted %d times\n", g_interrupted);
  return 0;
}
