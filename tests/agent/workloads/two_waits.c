// Two waits in a row on the main thread, both futex waits (condition variables), in different functions,
// with a moment of computing between them shorter than a sampling period: first_wait for 0.3 s, then
// second_wait for 0.5 s. A wall profile must give each its own time: the second is no repeat of the first
// because both are futex calls.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_first = PTHREAD_COND_INITIALIZER;
static pthread_cond_t cv_second = PTHREAD_COND_INITIALIZER;

// Nobody signals: the wait ends at its deadline (glibc goes back to waiting after our signal's handler).
static void wait_on(pthread_cond_t* cv, double seconds) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  double end = (double)now.tv_sec + now.tv_nsec * 1e-9 + seconds;
  struct timespec deadline = {(time_t)end, (long)((end - (double)(time_t)end) * 1e9)};
  pthread_mutex_lock(&mu);
  for (int rc = 0; rc == 0;) rc = pthread_cond_timedwait(cv, &mu, &deadline);
  pthread_mutex_unlock(&mu);
}

static volatile int waits;  // work after each call: no tail call, so each wait's own frame stays on the stack

__attribute__((noinline)) static void first_wait(void) {
  wait_on(&cv_first, 0.3);
  waits = waits + 1;
}

__attribute__((noinline)) static void second_wait(void) {
  wait_on(&cv_second, 0.5);
  waits = waits + 1;
}

__attribute__((noinline)) static double compute_briefly(void) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  volatile double x = 0;
  do {
    for (int i = 0; i < 1000; ++i) x = x + i * 0.5;
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 300000);
  return x;
}

int main(void) {
  first_wait();
  double x = compute_briefly();
  second_wait();
  printf("done %d\n", x > 0);
  return 0;
}
