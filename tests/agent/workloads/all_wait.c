// Every thread waits: four threads in a timed wait on a condition variable for SECONDS, the main thread in
// pthread_join. The whole process is idle: its threads go dormant and their periods are written as spans
// (see wall_sampler.cpp); the threads' waiting periods must all be there nonetheless.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds = 1.5;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

__attribute__((noinline)) static void long_wait(void) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += (time_t)seconds;
  deadline.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000000000;
  }
  pthread_mutex_lock(&mu);
  while (pthread_cond_timedwait(&cv, &mu, &deadline) == 0) {
  }
  pthread_mutex_unlock(&mu);
}

static void* waiter(void* arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "waiter");
  long_wait();
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) seconds = atof(argv[1]);
  pthread_t t[4];
  for (int i = 0; i < 4; ++i) pthread_create(&t[i], NULL, waiter, NULL);
  for (int i = 0; i < 4; ++i) pthread_join(t[i], NULL);
  printf("waited\n");
  return 0;
}
