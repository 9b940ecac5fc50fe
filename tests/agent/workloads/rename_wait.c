// A thread renames itself between computing and waiting, as pool threads do when they take a job: its
// wait must carry the new name, though its first samples (and the name read with them) were taken before.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds = 1.0;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// noclone: GCC would otherwise name a constant-propagated copy burn.constprop.0 (clang makes no such copies).
#if defined(__clang__)
#define NOCLONE
#else
#define NOCLONE __attribute__((noclone))
#endif
__attribute__((noinline)) NOCLONE static void burn(double s) {
  volatile unsigned x = 0;
  for (double end = now() + s; now() < end;)
    for (unsigned i = 0; i < 1000; ++i) x += i;
  (void)x;
}

__attribute__((noinline)) static void long_wait(void) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  long ns = deadline.tv_nsec + (long)(seconds * 1e9);
  deadline.tv_sec += ns / 1000000000;
  deadline.tv_nsec = ns % 1000000000;
  pthread_mutex_lock(&mu);
  while (pthread_cond_timedwait(&cv, &mu, &deadline) == 0) {
  }
  pthread_mutex_unlock(&mu);
}

static void* worker(void* arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "starting");
  burn(0.3);
  pthread_setname_np(pthread_self(), "waiting");
  long_wait();
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) seconds = atof(argv[1]);
  pthread_t t;
  if (pthread_create(&t, NULL, worker, NULL) != 0) return 1;
  pthread_join(t, NULL);
  printf("renamed\n");
  return 0;
}
