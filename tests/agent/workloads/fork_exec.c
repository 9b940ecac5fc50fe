// fork without exec (the child computes and exits), then exec of itself: each process image must get its
// own samples, and every output line must stay what it is without the agent.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static uint64_t burn(double secs) {
  uint64_t x = 1, n = 0;
  double end = now() + secs;
  while (now() < end) {
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ull + 1;
    ++n;
  }
  return x | 1;
}

__attribute__((noinline)) static void forked_child_work(void) {
  printf("child ok=%d\n", burn(0.3) != 0);
}
__attribute__((noinline)) static void exec_image_work(void) {
  printf("exec ok=%d\n", burn(0.3) != 0);
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "exec") == 0) {
    exec_image_work();
    return 0;
  }
  printf("parent ok=%d\n", burn(0.2) != 0);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    forked_child_work();
    fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child status=%d\n", WEXITSTATUS(status));
  fflush(stdout);
  execl("/proc/self/exe", argv[0], "exec", (char*)NULL);
  perror("execl");
  return 1;
}
