// The functions the preloaded library interposes. Each forwards to the C library's own (libc_real) and adds
// what the agent needs: a timer for each new thread (deleted when it ends, also through pthread_exit and
// cancellation), fresh unwind tables and mapping records around dlopen/dlclose, and noticing when the
// program installs its own handler for our signal or for SIGSEGV/SIGBUS. When the agent is not active they
// are plain forwarders.
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "agent/agent.hpp"
#include "agent/agent_state.hpp"
#include "agent/libc_real.hpp"
#include "agent/signals.hpp"

namespace lambdascope::agent {
namespace {

struct ThreadStart {
  void* (*routine)(void*);
  void* arg;
};

void thread_cleanup(void*) {
  on_thread_exit();
}

void* thread_trampoline(void* p) {
  ThreadStart start = *static_cast<ThreadStart*>(p);
  free(p);
  on_thread_start();
  void* result = nullptr;
  // Runs on return, on pthread_exit and on cancellation (glibc's setjmp-based cleanup: we build without
  // exceptions).
  pthread_cleanup_push(thread_cleanup, nullptr);
  result = start.routine(start.arg);
  pthread_cleanup_pop(1);
  return result;
}

bool active() {
  return __atomic_load_n(&g_agent.active, __ATOMIC_ACQUIRE);
}

}  // namespace
}  // namespace lambdascope::agent

using namespace lambdascope::agent;

extern "C" {

__attribute__((visibility("default"))) int pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                                                          void* (*routine)(void*), void* arg) {
  if (!active()) return real::pthread_create(thread, attr, routine, arg);
  auto* start = static_cast<ThreadStart*>(malloc(sizeof(ThreadStart)));
  if (start == nullptr) return real::pthread_create(thread, attr, routine, arg);
  start->routine = routine;
  start->arg = arg;
  int rc = real::pthread_create(thread, attr, thread_trampoline, start);
  if (rc != 0) free(start);
  return rc;
}

__attribute__((visibility("default"))) void* dlopen(const char* file, int flags) {
  void* handle = real::dlopen(file, flags);
  if (handle != nullptr && active()) on_libraries_changed();
  return handle;
}

__attribute__((visibility("default"))) int dlclose(void* handle) {
  int rc = real::dlclose(handle);
  if (active()) on_libraries_changed();
  return rc;
}

__attribute__((visibility("default"))) int sigaction(int sig, const struct sigaction* act,
                                                     struct sigaction* old) {
  if (act != nullptr && active()) {
    if (sig == g_agent.signal && !is_sample_handler(*act))
      on_signal_claimed(sig);
    else if (sig == SIGSEGV || sig == SIGBUS)
      on_fault_handler_replaced();
  }
  return real::sigaction(sig, act, old);
}

__attribute__((visibility("default"))) sighandler_t signal(int sig, sighandler_t handler) {
  if (active()) {
    if (sig == g_agent.signal)
      on_signal_claimed(sig);
    else if (sig == SIGSEGV || sig == SIGBUS)
      on_fault_handler_replaced();
  }
  return real::signal(sig, handler);
}

}  // extern "C"
