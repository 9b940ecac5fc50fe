// Prints the size of its descriptor table (FDSize in /proc/self/status) after SECONDS, with THREADS more
// threads (1 by default) running meanwhile, each computing a little and sleeping (a table shared by threads
// is the one whose growth waits for an RCU grace period; a wall profiler reads /proc files of each thread
// that ran). A profiler's own descriptors must not make the kernel grow it.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile unsigned long sink;

static void* other(void* arg) {
  (void)arg;
  struct timespec ts = {0, 10000000};
  for (int i = 0; i < 25; ++i) {
    for (unsigned long k = 0; k < 2000000; ++k) sink += k;
    nanosleep(&ts, NULL);
  }
  return NULL;
}

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 0.5;
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  if (threads < 1 || threads > 64) threads = 1;
  pthread_t t[64];
  for (int i = 0; i < threads; ++i) pthread_create(&t[i], NULL, other, NULL);
  struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
  nanosleep(&ts, NULL);
  for (int i = 0; i < threads; ++i) pthread_join(t[i], NULL);
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  while (f != NULL && fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "FDSize:", 7) == 0) fputs(line, stdout);
  if (f != NULL) fclose(f);
  return 0;
}
