// The C library's own entry points for the functions the agent interposes (hooks.cpp). Agent code must call
// these, never the plain names, which resolve to our own hooks. Resolved with dlsym(RTLD_NEXT) on first
// use, in normal context only.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

namespace lambdascope::agent::real {

int sigaction(int sig, const struct sigaction* act, struct sigaction* old);
int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg);
void* dlopen(const char* file, int flags);
int dlclose(void* handle);
using SignalHandler = void (*)(int);
SignalHandler signal(int sig, SignalHandler handler);

// A clock's reading in nanoseconds (0 when the clock cannot be read); async-signal-safe. The agent reads
// clocks in its signal handler, and a plain clock_gettime binds to whoever interposes the name before the C
// library: AddressSanitizer's interceptor, libfaketime's (which takes locks). So the C library's own is
// looked up in libc itself, by resolve_clock() in normal context before any handler is installed; until then
// (or if it is not found) the system call.
void resolve_clock();
uint64_t clock_ns(clockid_t clock);
inline uint64_t monotonic_ns() {
  return clock_ns(CLOCK_MONOTONIC);
}

}  // namespace lambdascope::agent::real
