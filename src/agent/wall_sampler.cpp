#include "agent/wall_sampler.hpp"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "agent/agent_state.hpp"
#include "agent/libc_real.hpp"
#include "agent/mmap_buffer.hpp"
#include "agent/syscalls.hpp"
#include "agent/thread_list.hpp"

namespace lambdascope::agent {

namespace {

// A thread whose CPU time grew by less than this since its last sample counts as not having run: it gets
// an idle record. async-profiler uses the same threshold (RUNNABLE_THRESHOLD_NS).
constexpr uint64_t kRunnableThresholdNs = 10000;

struct PerThread {
  uint64_t cpu_ns;   // CPU time at the last signal
  uint32_t sampled;  // signalled at least once
  uint32_t pad;
};

pthread_t g_thread;
bool g_running = false;
bool g_stop = false;
PerThread* g_threads = nullptr;
int g_pid_max = 0;

uint64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  if (clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

void sleep_until(uint64_t deadline) {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(deadline / 1000000000u);
  ts.tv_nsec = static_cast<long>(deadline % 1000000000u);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

struct Cycle {
  int tids[4096];
  int count;
};

void collect(int tid, void* ctx) {
  auto* c = static_cast<Cycle*>(ctx);
  if (c->count < 4096 && !is_agent_thread(tid)) c->tids[c->count++] = tid;
}

void write_idle(int tid, uint64_t now) {
  RingWriter& ring = g_agent.ring;
  uint8_t* p = ring.reserve(sizeof(ring::IdleRecord));
  if (p == nullptr) {
    ring.count(ring::kDroppedFull);
    return;
  }
  auto* rec = reinterpret_cast<ring::IdleRecord*>(p);
  rec->time_ns = now;
  rec->tid = tid;
  rec->weight = 1;
  RingWriter::publish(p, ring::RecordType::kIdle, sizeof(ring::IdleRecord), 0);
  ring.count(ring::kIdleSamples);
}

void* sampler_main(void*) {
  g_agent.agent_tids[1] = sys::gettid();
  sys::prctl(15 /* PR_SET_NAME */, reinterpret_cast<unsigned long>("lambdascope-wal"));
  auto* cycle = static_cast<Cycle*>(map_anonymous(page_round(sizeof(Cycle))));
  if (cycle == nullptr) return nullptr;
  const uint64_t period = g_agent.period_ns;
  const uint32_t per_tick = g_agent.config.wall_threads_per_tick;
  uint64_t next = clock_ns(CLOCK_MONOTONIC);
  while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
    uint64_t cycle_start = clock_ns(CLOCK_MONOTONIC);
    if (cycle_start > next + period) next = cycle_start;  // frozen or starved: do not catch up
    if (agent_state() == ring::State::kRunning) {
      cycle->count = 0;
      for_each_thread(collect, cycle);
      // Which threads ran since their last sample.
      int to_signal[4096];
      int num_signal = 0;
      for (int i = 0; i < cycle->count; ++i) {
        int tid = cycle->tids[i];
        if (tid > g_pid_max) continue;
        PerThread& pt = g_threads[tid];
        uint64_t cpu = clock_ns(sys::thread_cpu_clock(tid));
        if (pt.sampled && cpu >= pt.cpu_ns && cpu - pt.cpu_ns < kRunnableThresholdNs) {
          write_idle(tid, cycle_start);
        } else {
          if (!pt.sampled) g_agent.ring.count(ring::kThreadsSeen);
          pt.cpu_ns = cpu;
          pt.sampled = 1;
          to_signal[num_signal++] = tid;
        }
      }
      // Signal them in ticks of `per_tick`, spread over the period.
      uint32_t ticks = (static_cast<uint32_t>(num_signal) + per_tick - 1) / per_tick;
      for (uint32_t t = 0; t < ticks && !__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE); ++t) {
        for (uint32_t k = t * per_tick; k < (t + 1) * per_tick && k < static_cast<uint32_t>(num_signal);
             ++k) {
          if (sys::tgkill(g_agent.pid, to_signal[k], g_agent.signal) == 0)
            g_agent.ring.count(ring::kSignalsSent);
          // Its CPU time after our signal, so the handler's own cost does not make it look busy next time.
        }
        if (t + 1 < ticks) sleep_until(cycle_start + period * (t + 1) / ticks);
      }
      // Re-read the CPU time of the signalled threads after they handled the signal; it includes the
      // handler, which must not count as the thread running.
      if (num_signal > 0) {
        sleep_until(clock_ns(CLOCK_MONOTONIC) + 200000);
        for (int k = 0; k < num_signal; ++k) {
          int tid = to_signal[k];
          uint64_t cpu = clock_ns(sys::thread_cpu_clock(tid));
          if (cpu != 0) g_threads[tid].cpu_ns = cpu;
        }
      }
    }
    next += period;
    sleep_until(next);
  }
  sys::munmap(cycle, page_round(sizeof(Cycle)));
  return nullptr;
}

}  // namespace

bool wall_sampler_start(int pid_max) {
  if (g_running) return true;
  if (g_threads == nullptr) {
    g_pid_max = pid_max;
    g_threads = static_cast<PerThread*>(
        map_anonymous(page_round((static_cast<size_t>(pid_max) + 1) * sizeof(PerThread))));
    if (g_threads == nullptr) return false;
  }
  __atomic_store_n(&g_stop, false, __ATOMIC_RELEASE);
  // Our thread takes none of the program's signals.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  int rc = real::pthread_create(&g_thread, &attr, sampler_main, nullptr);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  g_running = rc == 0;
  return g_running;
}

void wall_sampler_stop() {
  if (!g_running) return;
  __atomic_store_n(&g_stop, true, __ATOMIC_RELEASE);
  pthread_join(g_thread, nullptr);
  g_running = false;
  g_agent.agent_tids[1] = 0;
}

void wall_sampler_after_fork() {
  g_running = false;
  g_agent.agent_tids[1] = 0;
  if (g_threads != nullptr)
    for (int tid = 1; tid <= g_pid_max; ++tid)
      if (g_threads[tid].sampled) g_threads[tid] = PerThread{};
}

}  // namespace lambdascope::agent
