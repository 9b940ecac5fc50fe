// The overhead benchmark's workload: N threads doing a fixed amount of CPU-bound work each, at a stack
// depth of about 20 frames (recursion plus a leaf), so every profiler unwinds real stacks. Prints a checksum
// that must not depend on the profiler.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long g_units = 400;

__attribute__((noinline)) static uint64_t leaf(uint64_t x) {
  for (int i = 0; i < 20000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x;
}

__attribute__((noinline)) static uint64_t descend(int depth, uint64_t x) {
  if (depth == 0) return leaf(x);
  uint64_t r = descend(depth - 1, x + 1);
  __asm__ volatile("" ::: "memory");
  return r ^ (uint64_t)depth;
}

static void* worker(void* arg) {
  uint64_t x = (uintptr_t)arg, sum = 0;
  for (long u = 0; u < g_units; ++u)
    for (int k = 0; k < 100; ++k) sum += descend(16, x + (uint64_t)k);
  return (void*)(uintptr_t)(sum & 0xffff);
}

int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  if (argc > 2) g_units = atol(argv[2]);
  pthread_t t[64];
  if (threads < 1 || threads > 64) return 2;
  for (int i = 0; i < threads; ++i) pthread_create(&t[i], NULL, worker, (void*)(uintptr_t)(i + 1));
  uint64_t total = 0;
  for (int i = 0; i < threads; ++i) {
    void* r;
    pthread_join(t[i], &r);
    total += (uintptr_t)r;
  }
  printf("checksum=%llu\n", (unsigned long long)total);
  // Memory at the end, for the agent's footprint (bench/agent_peers.sh compares runs with and without it).
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "RssAnon:", 8) || !strncmp(line, "RssFile:", 8) || !strncmp(line, "RssShmem:", 9))
      fputs(line, stderr);
  if (f) fclose(f);
  return 0;
}
