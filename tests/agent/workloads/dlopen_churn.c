// Loads a library, calls into it, unloads it, many times while being sampled. The profile must name the
// library's functions although the library is gone when the profile is built.
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 200;
  uint64_t sum = 0;
  for (int i = 0; i < rounds; ++i) {
    void* h = dlopen(DLWORK_PATH, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      fprintf(stderr, "dlopen: %s\n", dlerror());
      return 1;
    }
    uint64_t (*fn)(uint64_t) = (uint64_t(*)(uint64_t))dlsym(h, "dl_work");
    sum += fn(i) & 1;
    dlclose(h);
  }
  printf("rounds=%d sum=%llu\n", rounds, (unsigned long long)sum);
  return 0;
}
