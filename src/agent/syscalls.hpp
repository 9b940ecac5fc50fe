// Raw Linux system calls for the agent. They never touch errno and never go through the PLT, so they are
// safe in the signal handler and immune to other preloaded libraries' hooks. Return values follow the kernel
// convention: negative errno on failure.
#pragma once

#include <sys/syscall.h>

#include <cstddef>
#include <cstdint>

namespace lambdascope::agent::sys {

#if defined(__x86_64__)
inline long call(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
inline long call(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
  return x0;
}
#else
#error "lambdascope agent: unsupported architecture"
#endif

inline int gettid() {
  return static_cast<int>(call(SYS_gettid));
}
inline int getpid() {
  return static_cast<int>(call(SYS_getpid));
}
inline long tgkill(int pid, int tid, int sig) {
  return call(SYS_tgkill, pid, tid, sig);
}
inline long write(int fd, const void* buf, size_t n) {
  return call(SYS_write, fd, reinterpret_cast<long>(buf), static_cast<long>(n));
}
inline long prctl(int option, unsigned long arg2) {
  return call(SYS_prctl, option, static_cast<long>(arg2));
}
inline void* mmap(void* addr, size_t len, int prot, int flags, int fd, long off) {
  long r = call(SYS_mmap, reinterpret_cast<long>(addr), static_cast<long>(len), prot, flags, fd, off);
  return (r < 0 && r > -4096) ? nullptr : reinterpret_cast<void*>(r);
}
inline long munmap(void* addr, size_t len) {
  return call(SYS_munmap, reinterpret_cast<long>(addr), static_cast<long>(len));
}
inline long futex(uint32_t* addr, int op, uint32_t val, const void* timeout) {
  return call(SYS_futex, reinterpret_cast<long>(addr), op, val, reinterpret_cast<long>(timeout));
}

// The kernel's struct sigevent: glibc's lacks a portable name for the thread id (glibc bug 27417), and
// SIGEV_THREAD_ID needs it.
struct KernelSigevent {
  union {
    int sival_int;
    void* sival_ptr;
  } value;
  int signo;
  int notify;
  int tid;
  int pad[11];
};
static_assert(sizeof(KernelSigevent) == 64);

// Raw timer syscalls: glibc's wrappers accept only predefined clocks, not another thread's CPU clock, and
// keep their own timer_t table.
inline long timer_create(int clock, KernelSigevent* sev, int* id) {
  return call(SYS_timer_create, clock, reinterpret_cast<long>(sev), reinterpret_cast<long>(id));
}
inline long timer_settime(int id, int flags, const void* spec, void* old) {
  return call(SYS_timer_settime, id, flags, reinterpret_cast<long>(spec), reinterpret_cast<long>(old));
}
inline long timer_delete(int id) {
  return call(SYS_timer_delete, id);
}

// The CPU clock of another thread of this process: CPUCLOCK_SCHED | CPUCLOCK_PERTHREAD_MASK over ~tid
// (what pthread_getcpuclockid computes, without needing a pthread_t).
inline int thread_cpu_clock(int tid) {
  return static_cast<int>((~static_cast<unsigned>(tid) << 3) | 6);
}

}  // namespace lambdascope::agent::sys
