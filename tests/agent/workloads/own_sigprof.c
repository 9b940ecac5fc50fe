// Computes a while, then takes SIGPROF for itself (its own setitimer profiler) and computes more: an agent
// sampling on SIGPROF must get out of the way (and move to another signal), and this program's own handler
// must see its ticks.
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t g_ticks = 0;
static void on_prof(int sig) {
  (void)sig;
  ++g_ticks;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static uint64_t spin(double secs) {
  uint64_t x = 1;
  double end = now() + secs;
  while (now() < end)
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ull + 1;
  return x | 1;
}
// Not tail calls, so the phases keep their frames.
__attribute__((noinline)) static uint64_t phase_one(void) {
  uint64_t r = spin(0.3);
  __asm__ volatile("" ::: "memory");
  return r + 1;
}
__attribute__((noinline)) static uint64_t phase_two(void) {
  uint64_t r = spin(0.6);
  __asm__ volatile("" ::: "memory");
  return r + 1;
}

int main(void) {
  uint64_t a = phase_one();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_prof;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGPROF, &sa, NULL);
  struct itimerval it = {{0, 10000}, {0, 10000}};
  setitimer(ITIMER_PROF, &it, NULL);
  uint64_t b = phase_two();
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_PROF, &off, NULL);
  printf("own_ticks_ok=%d work=%d\n", g_ticks > 0, (a & b) != 0);
  return 0;
}
