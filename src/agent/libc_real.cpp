#include "agent/libc_real.hpp"

#include <dlfcn.h>

#include "agent/syscalls.hpp"

namespace lambdascope::agent::real {

namespace {

template <typename F>
F resolve(F* cache, const char* name) {
  F f = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
  if (f == nullptr) {
    f = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
    __atomic_store_n(cache, f, __ATOMIC_RELEASE);
  }
  return f;
}

using SigactionFn = int (*)(int, const struct sigaction*, struct sigaction*);
using PthreadCreateFn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
using DlopenFn = void* (*)(const char*, int);
using DlcloseFn = int (*)(void*);
using SignalFn = SignalHandler (*)(int, SignalHandler);

SigactionFn g_sigaction;
PthreadCreateFn g_pthread_create;
DlopenFn g_dlopen;
DlcloseFn g_dlclose;
SignalFn g_signal;

}  // namespace

int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  return resolve(&g_sigaction, "sigaction")(sig, act, old);
}
int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg) {
  return resolve(&g_pthread_create, "pthread_create")(thread, attr, start, arg);
}
void* dlopen(const char* file, int flags) {
  return resolve(&g_dlopen, "dlopen")(file, flags);
}
int dlclose(void* handle) {
  return resolve(&g_dlclose, "dlclose")(handle);
}
SignalHandler signal(int sig, SignalHandler handler) {
  return resolve(&g_signal, "signal")(sig, handler);
}

namespace {
using ClockFn = int (*)(clockid_t, struct timespec*);
ClockFn g_clock_gettime = nullptr;
}  // namespace

void resolve_clock() {
  if (__atomic_load_n(&g_clock_gettime, __ATOMIC_ACQUIRE) != nullptr) return;
  // A handle on libc searches libc (and its dependencies), not the global scope where interposers come first.
  void* libc = real::dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
  if (libc == nullptr) return;
  auto f = reinterpret_cast<ClockFn>(dlsym(libc, "clock_gettime"));
  real::dlclose(libc);
  __atomic_store_n(&g_clock_gettime, f, __ATOMIC_RELEASE);
}

uint64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  ClockFn f = __atomic_load_n(&g_clock_gettime, __ATOMIC_ACQUIRE);
  long rc = f != nullptr ? f(clock, &ts) : sys::call(SYS_clock_gettime, clock, reinterpret_cast<long>(&ts));
  if (rc != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace lambdascope::agent::real
