// Threads that loop on nanosleep, on poll over a pipe and on blocking reads from a pipe, while the main
// thread computes. Written as correct programs are: nanosleep resumes with the remaining time and poll
// retries on EINTR (both fail with EINTR on any handled signal, SA_RESTART or not); read is restarted by
// SA_RESTART. The printed results must be identical with and without the agent; EINTRs seen go to stderr.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int g_eintr = 0;

static void sleep_ms(int ms) {
  struct timespec req = {0, ms * 1000000L}, rem;
  while (nanosleep(&req, &rem) == -1 && errno == EINTR) {
    __atomic_fetch_add(&g_eintr, 1, __ATOMIC_RELAXED);
    req = rem;
  }
}

static void* sleeper(void* arg) {
  (void)arg;
  pthread_setname_np(pthread_self(), "sleeper");
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < 60; ++i) sleep_ms(2);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  return (void*)(uintptr_t)(ms >= 120.0);
}

struct Pipe {
  int fds[2];
  int use_poll;
  uint64_t checksum;
};

static void* writer(void* arg) {
  struct Pipe* p = arg;
  char msg[64];
  for (int i = 0; i < 200; ++i) {
    memset(msg, 'a' + i % 26, sizeof msg);
    size_t off = 0;
    while (off < sizeof msg) {
      ssize_t n = write(p->fds[1], msg + off, sizeof msg - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return NULL;
      off += (size_t)n;
    }
    if (i % 10 == 0) sleep_ms(1);
  }
  close(p->fds[1]);
  return NULL;
}

static void* reader(void* arg) {
  struct Pipe* p = arg;
  pthread_setname_np(pthread_self(), p->use_poll ? "poller" : "reader");
  char buf[97];
  for (;;) {
    if (p->use_poll) {
      struct pollfd pfd = {p->fds[0], POLLIN, 0};
      int r = poll(&pfd, 1, 1000);
      if (r < 0 && errno == EINTR) {
        __atomic_fetch_add(&g_eintr, 1, __ATOMIC_RELAXED);
        continue;
      }
      if (r <= 0) break;
    }
    ssize_t n = read(p->fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      __atomic_fetch_add(&g_eintr, 1, __ATOMIC_RELAXED);
      continue;
    }
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) p->checksum = p->checksum * 31 + (unsigned char)buf[i];
  }
  return NULL;
}

__attribute__((noinline)) static uint64_t compute(int rounds) {
  uint64_t x = 1;
  for (int r = 0; r < rounds; ++r)
    for (int i = 0; i < 100000; ++i) x = x * 6364136223846793005ull + 1;
  return x;
}

int main(void) {
  struct Pipe polled = {{0, 0}, 1, 0}, blocking = {{0, 0}, 0, 0};
  if (pipe(polled.fds) != 0 || pipe(blocking.fds) != 0) return 1;
  pthread_t s, w1, r1, w2, r2;
  pthread_create(&s, NULL, sleeper, NULL);
  pthread_create(&r1, NULL, reader, &polled);
  pthread_create(&w1, NULL, writer, &polled);
  pthread_create(&r2, NULL, reader, &blocking);
  pthread_create(&w2, NULL, writer, &blocking);
  uint64_t c = compute(2000);
  void* slept;
  pthread_join(s, &slept);
  pthread_join(w1, NULL);
  pthread_join(r1, NULL);
  pthread_join(w2, NULL);
  pthread_join(r2, NULL);
  printf("nanosleep_ok=%d poll_sum=%llu read_sum=%llu compute=%d\n", (int)(uintptr_t)slept,
         (unsigned long long)polled.checksum, (unsigned long long)blocking.checksum, (int)(c != 0));
  fprintf(stderr, "eintr=%d\n", g_eintr);
  return 0;
}
