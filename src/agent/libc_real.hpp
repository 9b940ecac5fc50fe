// The C library's own entry points for the functions the agent interposes (hooks.cpp). Agent code must call
// these, never the plain names, which resolve to our own hooks. Resolved with dlsym(RTLD_NEXT) on first
// use, in normal context only.
#pragma once

#include <pthread.h>
#include <signal.h>

namespace lambdascope::agent::real {

int sigaction(int sig, const struct sigaction* act, struct sigaction* old);
int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg);
void* dlopen(const char* file, int flags);
int dlclose(void* handle);
using SignalHandler = void (*)(int);
SignalHandler signal(int sig, SignalHandler handler);

}  // namespace lambdascope::agent::real
