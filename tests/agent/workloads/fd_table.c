// Prints the size of its descriptor table (FDSize in /proc/self/status) after SECONDS, with a second thread
// running meanwhile (a table shared by threads is the one whose growth waits for an RCU grace period). A
// profiler's own descriptors must not make the kernel grow it.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void* other(void* arg) {
  (void)arg;
  struct timespec ts = {0, 50000000};
  for (int i = 0; i < 10; ++i) nanosleep(&ts, NULL);
  return NULL;
}

int main(int argc, char** argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 0.5;
  pthread_t t;
  pthread_create(&t, NULL, other, NULL);
  struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
  nanosleep(&ts, NULL);
  pthread_join(t, NULL);
  FILE* f = fopen("/proc/self/status", "r");
  char line[256];
  while (f != NULL && fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "FDSize:", 7) == 0) fputs(line, stdout);
  if (f != NULL) fclose(f);
  return 0;
}
