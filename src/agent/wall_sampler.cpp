#include "agent/wall_sampler.hpp"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "agent/agent_state.hpp"
#include "agent/libc_real.hpp"
#include "agent/mmap_buffer.hpp"
#include "agent/path_format.hpp"
#include "agent/syscalls.hpp"
#include "agent/thread_list.hpp"

namespace lambdascope::agent {

namespace {

// A thread whose CPU time grew by less than this since its last sample counts as not having run: it gets
// an idle record. async-profiler uses the same threshold (RUNNABLE_THRESHOLD_NS).
constexpr uint64_t kRunnableThresholdNs = 10000;

struct PerThread {
  uint64_t cpu_ns;       // CPU time at the last signal (re-read after its handler ran)
  uint64_t pending_cpu;  // CPU time since the previous sample, for the handler of the signal just sent
  uint32_t sampled;      // signalled at least once
  uint32_t pad;
  char name[16];  // comm as last read from /proc (threads asleep are not signalled, so the handler cannot)
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

// Whether the thread is in interruptible sleep ('S' in /proc/<pid>/task/<tid>/stat); also writes a thread
// name record when its comm (in the same line) changed. Raw syscalls, stack buffers: the sampler thread never
// allocates.
bool thread_sleeping(int tid, PerThread& pt, uint64_t now) {
  char path[64];
  size_t at = append(path, 0, sizeof path, "/proc/");
  at = append_number(path, at, sizeof path, static_cast<uint64_t>(g_agent.pid));
  at = append(path, at, sizeof path, "/task/");
  at = append_number(path, at, sizeof path, static_cast<uint64_t>(tid));
  append(path, at, sizeof path, "/stat");
  long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  long n = sys::call(SYS_read, fd, reinterpret_cast<long>(buf), sizeof buf);
  sys::call(SYS_close, fd);
  // "tid (comm) S ...": the state follows the last ')' (comm may hold parentheses).
  long open = -1, paren = -1;
  for (long i = 0; i < n; ++i) {
    if (buf[i] == '(' && open < 0) open = i;
    if (buf[i] == ')') paren = i;
  }
  if (open < 0 || paren < open || paren + 2 >= n) return false;
  char name[16] = {};
  for (long i = open + 1, k = 0; i < paren && k < 15; ++i, ++k) name[k] = buf[i];
  bool same = true;
  for (int i = 0; i < 16; ++i) same &= name[i] == pt.name[i];
  if (!same) {
    RingWriter& ring = g_agent.ring;
    if (uint8_t* p = ring.reserve(sizeof(ring::ThreadNameRecord))) {
      auto* rec = reinterpret_cast<ring::ThreadNameRecord*>(p);
      rec->time_ns = now;
      rec->tid = tid;
      for (int i = 0; i < 16; ++i) rec->name[i] = pt.name[i] = name[i];
      for (int i = 16; i < 20; ++i) rec->name[i] = 0;
      RingWriter::publish(p, ring::RecordType::kThreadName, sizeof(ring::ThreadNameRecord), 0);
    } else {
      ring.count(ring::kDroppedFull);
    }
  }
  return buf[paren + 2] == 'S';
}

struct Cycle {
  int tids[4096];
  int count;
};

void collect(int tid, void* ctx) {
  auto* c = static_cast<Cycle*>(ctx);
  if (c->count < 4096 && !is_agent_thread(tid)) c->tids[c->count++] = tid;
}

void write_idle(int tid, uint64_t now, uint64_t cpu_ns) {
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
  rec->cpu_ns = cpu_ns;
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
  uint64_t previous_cycle = 0;  // start of the last running cycle; 0 after a start or a pause
  while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
    uint64_t cycle_start = clock_ns(CLOCK_MONOTONIC);
    if (cycle_start > next + period) next = cycle_start;  // frozen or starved: do not catch up
    if (agent_state() != ring::State::kRunning) previous_cycle = 0;
    if (agent_state() == ring::State::kRunning) {
      // A thread cannot have used more CPU than the wall time since the previous cycle: that bounds the
      // first sample of a new thread (its whole CPU time so far) and of every thread after a pause (its
      // baseline is stale), so time before sampling began is never charged to a sample.
      const uint64_t max_cpu = previous_cycle != 0 ? cycle_start - previous_cycle : 0;
      previous_cycle = cycle_start;
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
          write_idle(tid, cycle_start, 0);
        } else if (!pt.sampled && !__atomic_load_n(&g_agent.tables_built, __ATOMIC_ACQUIRE) &&
                   thread_sleeping(tid, pt, cycle_start)) {
          // Its first sample is the stack every later idle record repeats: taken once the unwind tables
          // exist (libc's sleeping calls have no frame pointers), until then "[not sampled yet]".
          write_idle(tid, cycle_start, 0);
        } else {
          if (!pt.sampled) g_agent.ring.count(ring::kThreadsSeen);
          uint64_t used = pt.sampled && cpu >= pt.cpu_ns ? cpu - pt.cpu_ns : cpu;
          if (used > max_cpu) used = max_cpu;
          bool was_sampled = pt.sampled;
          pt.cpu_ns = cpu;
          pt.sampled = 1;
          // It ran, but for less than the whole interval: it may be asleep again. A signal would cut that
          // sleep short (nanosleep and poll fail with EINTR), so a sleeping thread gets an idle record with
          // its CPU time instead. One /proc read, only for threads that ran part of the interval.
          if (was_sampled && used < max_cpu - max_cpu / 8 && thread_sleeping(tid, pt, cycle_start)) {
            write_idle(tid, cycle_start, used);
            continue;
          }
          __atomic_store_n(&pt.pending_cpu, used, __ATOMIC_RELEASE);
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

uint64_t wall_sample_cpu_ns(int tid) {
  PerThread* threads = g_threads;
  if (threads == nullptr || tid <= 0 || tid > g_pid_max) return 0;
  return __atomic_exchange_n(&threads[tid].pending_cpu, 0, __ATOMIC_ACQ_REL);
}

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
