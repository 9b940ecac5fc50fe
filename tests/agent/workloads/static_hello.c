// A statically linked program: LD_PRELOAD cannot load anything into it.
#include <stdio.h>
int main(void) {
  printf("static hello\n");
  return 3;
}
