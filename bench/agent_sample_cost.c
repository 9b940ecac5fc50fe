// Cost of one sample at a given stack depth: sends the profiling signal to itself N times at that depth and
// times it. Under the agent (LAMBDASCOPE_HZ=1, so timers do not interfere) that is signal delivery plus the
// agent's handler; without it, an empty handler, i.e. the kernel's part alone. Also prints the handler's own
// time as the agent measured it (ring header counters), when the agent is there.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void empty_handler(int sig, siginfo_t* info, void* uc) {
  (void)sig;
  (void)info;
  (void)uc;
}

static int g_sig;
static long g_count;

// The fastest of batches of 200 signals: on a busy machine, preemption inflates some batches, never deflates.
__attribute__((noinline)) static double fire(void) {
  pid_t pid = getpid();
  pid_t tid = (pid_t)syscall(SYS_gettid);
  double best = 1e18;
  for (long done = 0; done < g_count; done += 200) {
    double t0 = now_ns();
    for (int i = 0; i < 200; ++i) syscall(SYS_tgkill, pid, tid, g_sig);
    double per = (now_ns() - t0) / 200;
    if (per < best) best = per;
  }
  return best;
}

__attribute__((noinline)) static double at_depth(int depth) {
  if (depth <= 1) return fire();
  double r = at_depth(depth - 1);
  __asm__ volatile("" ::: "memory");
  return r;
}

int main(int argc, char** argv) {
  int depth = argc > 1 ? atoi(argv[1]) : 16;
  g_count = argc > 2 ? atol(argv[2]) : 20000;
  int (*agent_signal)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "lambdascope_agent_signal");
  const char* (*ring_path)(void) = (const char* (*)(void))dlsym(RTLD_DEFAULT, "lambdascope_agent_ring_path");
  if (agent_signal && agent_signal() > 0) {
    g_sig = agent_signal();
  } else {
    g_sig = SIGPROF;
    struct sigaction sa = {0};
    sa.sa_sigaction = empty_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGPROF, &sa, NULL);
  }
  // main() itself sits under a few frames of libc; `depth` counts ours.
  double per = at_depth(depth);
  printf("depth=%d per_signal_ns=%.0f", depth, per);
  if (ring_path && ring_path()[0]) {
    int fd = open(ring_path(), O_RDONLY);
    if (fd >= 0) {
      uint64_t* h = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
      if (h != MAP_FAILED) {
        uint64_t samples = h[1920 / 8 + 0], handler_ns = h[1920 / 8 + 10];
        if (samples)
          printf(" handler_ns=%.0f samples=%llu", (double)handler_ns / samples, (unsigned long long)samples);
      }
      close(fd);
    }
  }
  printf("\n");
  return 0;
}
