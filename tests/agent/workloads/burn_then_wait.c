// A worker thread that computes, then blocks in read() until the main thread writes to a pipe, round after
// round: each switch from running to a new wait is where a wall sampler gives the CPU time the thread used
// to the stack it was computing in.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int fds[2];

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void burn(double seconds) {
  volatile unsigned x = 0;
  for (double end = now() + seconds; now() < end;)
    for (unsigned i = 0; i < 1000; ++i) x += i;
  (void)x;
}

static void* worker(void* arg) {
  int rounds = *(int*)arg;
  char c;
  for (int i = 0; i < rounds; ++i) {
    burn(0.025);
    if (read(fds[0], &c, 1) != 1) break;
  }
  return NULL;
}

int main(int argc, char** argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  if (pipe(fds) != 0) return 1;
  pthread_t t;
  if (pthread_create(&t, NULL, worker, &rounds) != 0) return 1;
  for (int i = 0; i < rounds; ++i) {
    struct timespec ts = {0, 40000000};
    nanosleep(&ts, NULL);
    if (write(fds[1], "x", 1) != 1) return 1;
  }
  pthread_join(t, NULL);
  printf("rounds=%d\n", rounds);
  return 0;
}
