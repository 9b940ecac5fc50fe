#include "agent/cpu_timers.hpp"

#include <time.h>

#include "agent/agent_state.hpp"
#include "agent/log.hpp"
#include "agent/mmap_buffer.hpp"
#include "agent/syscalls.hpp"

namespace lambdascope::agent {

namespace {

int32_t* g_slots = nullptr;  // kernel timer id + 1; 0 = none. Kernel timer ids may be 0.
int g_pid_max = 0;
int g_max_tid = 0;
uint32_t g_active = 0;
bool g_warned = false;

struct KernelItimerspec {
  struct timespec interval;
  struct timespec value;
};

void arm(int timer, int tid, bool armed) {
  uint64_t period = g_agent.period_ns;
  // Start each thread's timer at a different phase, so threads of a periodic workload are not sampled in
  // lockstep with it.
  uint64_t first = 1 + (static_cast<uint64_t>(tid) * 2654435761u) % period;
  KernelItimerspec spec{};
  if (armed) {
    spec.interval.tv_sec = static_cast<time_t>(period / 1000000000u);
    spec.interval.tv_nsec = static_cast<long>(period % 1000000000u);
    spec.value.tv_sec = static_cast<time_t>(first / 1000000000u);
    spec.value.tv_nsec = static_cast<long>(first % 1000000000u);
  }
  sys::timer_settime(timer, 0, &spec, nullptr);
}

}  // namespace

bool cpu_timers_init(int pid_max) {
  if (g_slots != nullptr) return true;
  g_pid_max = pid_max;
  // Reserved, not committed: only the pages of tids that occur are touched.
  g_slots = static_cast<int32_t*>(map_anonymous(page_round((static_cast<size_t>(pid_max) + 1) * 4)));
  return g_slots != nullptr;
}

bool cpu_timer_create(int tid, bool armed, bool replace) {
  if (g_slots == nullptr || tid <= 0 || tid > g_pid_max) return false;
  if (!replace && __atomic_load_n(&g_slots[tid], __ATOMIC_ACQUIRE) != 0) return true;
  sys::KernelSigevent sev{};
  sev.notify = 4;  // SIGEV_THREAD_ID
  sev.signo = g_agent.signal;
  sev.tid = tid;
  int timer = -1;
  long rc = sys::timer_create(sys::thread_cpu_clock(tid), &sev, &timer);
  if (rc < 0) {
    g_agent.ring.count(ring::kTimerFailures);
    if (!__atomic_exchange_n(&g_warned, true, __ATOMIC_RELAXED) && rc != -3 /* ESRCH: thread gone */)
      log(LogLevel::kWarn, "timer_create failed for thread %d (error %ld); such threads are not sampled", tid,
          -rc);
    return false;
  }
  int32_t entry = timer + 1;
  if (replace) {
    int32_t old = __atomic_exchange_n(&g_slots[tid], entry, __ATOMIC_ACQ_REL);
    if (old != 0) {
      sys::timer_delete(old - 1);
      __atomic_fetch_sub(&g_active, 1, __ATOMIC_RELAXED);
    }
  } else {
    int32_t expected = 0;
    if (!__atomic_compare_exchange_n(&g_slots[tid], &expected, entry, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
      sys::timer_delete(timer);  // lost the race with the other creator
      return true;
    }
  }
  __atomic_fetch_add(&g_active, 1, __ATOMIC_RELAXED);
  g_agent.ring.count(ring::kThreadsSeen);
  int max = __atomic_load_n(&g_max_tid, __ATOMIC_RELAXED);
  while (tid > max &&
         !__atomic_compare_exchange_n(&g_max_tid, &max, tid, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
  if (armed) arm(timer, tid, true);
  return true;
}

void cpu_timer_delete(int tid) {
  if (g_slots == nullptr || tid <= 0 || tid > g_pid_max) return;
  int32_t old = __atomic_exchange_n(&g_slots[tid], 0, __ATOMIC_ACQ_REL);
  if (old != 0) {
    sys::timer_delete(old - 1);
    __atomic_fetch_sub(&g_active, 1, __ATOMIC_RELAXED);
  }
}

void cpu_timers_arm_all(bool armed) {
  if (g_slots == nullptr) return;
  int max = __atomic_load_n(&g_max_tid, __ATOMIC_RELAXED);
  for (int tid = 1; tid <= max; ++tid) {
    int32_t e = __atomic_load_n(&g_slots[tid], __ATOMIC_ACQUIRE);
    if (e != 0) arm(e - 1, tid, armed);
  }
}

void cpu_timers_delete_all() {
  if (g_slots == nullptr) return;
  int max = __atomic_load_n(&g_max_tid, __ATOMIC_RELAXED);
  for (int tid = 1; tid <= max; ++tid) cpu_timer_delete(tid);
}

void cpu_timers_sweep(bool (*alive)(int tid, void* ctx), void* ctx) {
  if (g_slots == nullptr) return;
  int max = __atomic_load_n(&g_max_tid, __ATOMIC_RELAXED);
  for (int tid = 1; tid <= max; ++tid)
    if (__atomic_load_n(&g_slots[tid], __ATOMIC_ACQUIRE) != 0 && !alive(tid, ctx)) cpu_timer_delete(tid);
}

bool cpu_timer_exists(int tid) {
  return g_slots != nullptr && tid > 0 && tid <= g_pid_max &&
         __atomic_load_n(&g_slots[tid], __ATOMIC_ACQUIRE) != 0;
}

uint32_t cpu_timers_active() {
  return __atomic_load_n(&g_active, __ATOMIC_RELAXED);
}

void cpu_timers_after_fork() {
  if (g_slots == nullptr) return;
  for (int tid = 1; tid <= g_max_tid; ++tid)
    if (g_slots[tid] != 0) g_slots[tid] = 0;  // reading untouched pages keeps them untouched
  g_max_tid = 0;
  g_active = 0;
}

}  // namespace lambdascope::agent
