#include "agent/libc_real.hpp"

#include <dlfcn.h>

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

}  // namespace lambdascope::agent::real
