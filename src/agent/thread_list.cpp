#include "agent/thread_list.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>

#include "agent/syscalls.hpp"

namespace lambdascope::agent {

namespace {
struct LinuxDirent64 {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[1];
};
}  // namespace

int for_each_thread(void (*visit)(int tid, void* ctx), void* ctx) {
  long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/task"),
                      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  alignas(8) char buf[4096];
  int count = 0;
  for (;;) {
    long n = sys::call(SYS_getdents64, fd, reinterpret_cast<long>(buf), sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      const auto* d = reinterpret_cast<const LinuxDirent64*>(buf + off);
      off += d->reclen;
      int tid = 0;
      const char* s = d->name;
      if (*s < '0' || *s > '9') continue;
      for (; *s >= '0' && *s <= '9'; ++s) tid = tid * 10 + (*s - '0');
      if (tid <= 0) continue;
      ++count;
      visit(tid, ctx);
    }
  }
  sys::call(SYS_close, fd);
  return count;
}

int read_pid_max() {
  long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/sys/kernel/pid_max"),
                      O_RDONLY | O_CLOEXEC);
  int v = 0;
  if (fd >= 0) {
    char buf[32];
    long n = sys::call(SYS_read, fd, reinterpret_cast<long>(buf), sizeof buf - 1);
    for (long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) v = v * 10 + (buf[i] - '0');
    sys::call(SYS_close, fd);
  }
  if (v <= 0) v = 32768;
  if (v > (1 << 22)) v = 1 << 22;  // PID_MAX_LIMIT on 64-bit
  return v;
}

}  // namespace lambdascope::agent
