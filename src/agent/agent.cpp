#include "agent/agent.hpp"

#include <elf.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_state.hpp"
#include "agent/code_cache.hpp"
#include "agent/cpu_timers.hpp"
#include "agent/lambdascope_agent.h"
#include "agent/libc_real.hpp"
#include "agent/log.hpp"
#include "agent/maps_writer.hpp"
#include "agent/ring_file.hpp"
#include "agent/safe_access.hpp"
#include "agent/sample_handler.hpp"
#include "agent/signals.hpp"
#include "agent/syscalls.hpp"
#include "agent/thread_list.hpp"
#include "agent/wall_sampler.hpp"

namespace lambdascope::agent {

AgentState g_agent;
__thread ThreadState t_thread __attribute__((tls_model("initial-exec")));

namespace {

pthread_mutex_t g_control_mutex = PTHREAD_MUTEX_INITIALIZER;
pthread_t g_control_thread;
bool g_control_running = false;
bool g_control_stop = false;
int g_pid_max = 0;
uint64_t g_start_ns = 0;

using real::monotonic_ns;

bool cpu_mode() {
  return g_agent.config.mode == ring::Mode::kCpu;
}
// Per-thread CPU timers: CPU mode's samples, and in wall mode the running threads' (the wall sampler then
// only looks for waits, at a lower rate: each of its wakes costs some 40 us on Firecracker).
bool uses_timers() {
  return cpu_mode() || g_agent.config.wall_timers;
}
// Whether a refresh builds .eh_frame tables (not before the control thread's first build; see build_tables).
bool want_tables() {
  return g_agent.config.dwarf && __atomic_load_n(&g_agent.tables_built, __ATOMIC_ACQUIRE);
}

void set_message(const char* text) {
  ring::Header* h = g_agent.ring.header();
  if (h == nullptr) return;
  size_t i = 0;
  for (; text[i] && i + 1 < sizeof h->message; ++i) h->message[i] = text[i];
  h->message[i] = '\0';
}

void create_timer_for(int tid, void*) {
  if (is_agent_thread(tid)) return;
  cpu_timer_create(tid, agent_state() == ring::State::kRunning, false);
}

// Threads alive per the last scan, as a bitmap over tids (for sweeping timers of vanished threads).
uint64_t* g_alive = nullptr;
void mark_alive(int tid, void*) {
  if (tid <= g_pid_max) g_alive[tid / 64] |= uint64_t{1} << (tid % 64);
}
bool is_alive(int tid, void*) {
  return tid <= g_pid_max && (g_alive[tid / 64] >> (tid % 64)) & 1;
}

void scan_threads() {
  if (!uses_timers()) return;
  for_each_thread(create_timer_for, nullptr);
  if (g_alive == nullptr) g_alive = static_cast<uint64_t*>(map_anonymous(page_round(g_pid_max / 8 + 8)));
  if (g_alive == nullptr) return;
  for (int i = 0; i <= g_pid_max / 64; ++i)
    if (g_alive[i] != 0) g_alive[i] = 0;
  for_each_thread(mark_alive, nullptr);
  cpu_timers_sweep(is_alive, nullptr);
}

void publish_stats() {
  RingWriter& ring = g_agent.ring;
  ring.set_counter(ring::kTimersActive, cpu_timers_active());
  CodeCacheStats s = code_cache_stats();
  ring.set_counter(ring::kUnwindTables, s.tables);
  ring.set_counter(ring::kUnwindRows, s.rows);
  ring.set_counter(ring::kUnwindTableBytes, s.table_bytes);
}

// Begins delivering samples on g_agent.signal.
void start_sampling() {
  scan_threads();
  if (!cpu_mode()) wall_sampler_start(g_pid_max);
}

void stop_sampling() {
  if (!cpu_mode()) wall_sampler_stop();
  cpu_timers_delete_all();
}

// The program took our signal (or we found it gone): move to another free one, or stop.
void move_signal(int lost) {
  stop_sampling();
  int next = choose_signal(lost);
  char text[200];
  if (next != 0 && install_sample_handler(next)) {
    g_agent.signal = next;
    if (ring::Header* h = g_agent.ring.header()) __atomic_store_n(&h->signal, next, __ATOMIC_RELEASE);
    snprintf(text, sizeof text, "the program installed a handler for signal %d; sampling moved to signal %d",
             lost, next);
    log(LogLevel::kWarn, "%s", text);
    set_message(text);
    if (agent_state() == ring::State::kRunning || agent_state() == ring::State::kPaused) start_sampling();
  } else {
    snprintf(text, sizeof text,
             "the program installed a handler for signal %d and no other signal is free; sampling stopped",
             lost);
    log(LogLevel::kError, "%s", text);
    set_message(text);
    set_agent_state(ring::State::kStopped);
  }
}

void housekeeping() {
  ring::State s = agent_state();
  if (s == ring::State::kStopped || s == ring::State::kExited) return;
  if (!sample_handler_owns(g_agent.signal)) {
    pthread_mutex_lock(&g_control_mutex);
    if (!sample_handler_owns(g_agent.signal)) move_signal(g_agent.signal);
    pthread_mutex_unlock(&g_control_mutex);
  }
  fault_guard_check();
  if (code_cache_stale()) code_cache_refresh(want_tables());
  code_cache_reclaim();
  maps_writer_update();
  if (agent_state() != ring::State::kStopped) {
    pthread_mutex_lock(&g_control_mutex);
    scan_threads();
    // A thread created between a pause and its timer's arming may have an armed timer: make them agree.
    if (uses_timers() && agent_state() == ring::State::kPaused) cpu_timers_arm_all(false);
    pthread_mutex_unlock(&g_control_mutex);
  }
  publish_stats();
}

// How often the control thread checks whether the ring needs more allocated space while it is growing: the
// next doubling must land before the writers use up the remaining half.
constexpr uint64_t kGrowCheckNs = 20000000;

// The .eh_frame tables take a few milliseconds per large library: built by the control thread, after a short
// delay, so processes that live only a few milliseconds (shell-outs) do not pay for them. Until then, and for
// any object without a table, the walk uses frame pointers.
void build_tables() {
  if (g_agent.config.dwarf) code_cache_refresh(true);
  __atomic_store_n(&g_agent.tables_built, true, __ATOMIC_RELEASE);
}

void* control_main(void*) {
  g_agent.agent_tids[0] = sys::gettid();
  sys::prctl(15 /* PR_SET_NAME */, reinterpret_cast<unsigned long>("lambdascope-ctl"));
  ring::Header* h = g_agent.ring.header();
  uint32_t seen = __atomic_load_n(&h->control, __ATOMIC_ACQUIRE);
  const uint64_t rescan = uint64_t{g_agent.config.rescan_ms} * 1000000u;
  uint64_t next = monotonic_ns() + rescan;
  const uint64_t tables_at = g_start_ns + uint64_t{g_agent.config.table_delay_ms} * 1000000u;
  uint64_t last_written = 0;
  uint64_t last_look = 0;
  while (!__atomic_load_n(&g_control_stop, __ATOMIC_ACQUIRE)) {
    uint64_t now = monotonic_ns();
    // Short waits while there is work on a schedule: tables to build, a ring still growing.
    uint64_t wake = next;
    if (!__atomic_load_n(&g_agent.tables_built, __ATOMIC_ACQUIRE) && tables_at < wake) wake = tables_at;
    // The writers wake us when half the room is used. As a wake sent just before we wait is lost, we also
    // look again before the rest of the room could be used at the rate the writers had since our last look
    // (at most every kGrowCheckNs), and not at all while nothing is written (an idle process).
    const uint64_t written = __atomic_load_n(&h->write_pos, __ATOMIC_RELAXED);
    const uint64_t allocated = __atomic_load_n(&h->allocated, __ATOMIC_RELAXED);
    if (allocated < h->data_size && written != last_written && last_look != 0 && now > last_look &&
        written < allocated) {
      const double rate = static_cast<double>(written - last_written) / static_cast<double>(now - last_look);
      const double until_full = static_cast<double>(allocated - written) / rate / 2;
      uint64_t look = until_full < static_cast<double>(kGrowCheckNs) ? kGrowCheckNs
                      : until_full > static_cast<double>(rescan)     ? rescan
                                                                     : static_cast<uint64_t>(until_full);
      if (now + look < wake) wake = now + look;
    } else if (allocated < h->data_size && last_look == 0 && now + kGrowCheckNs < wake) {
      wake = now + kGrowCheckNs;
    }
    last_written = written;
    last_look = now;
    if (now < wake) {
      uint64_t wait = wake - now;
      struct timespec ts {
        static_cast<time_t>(wait / 1000000000u), static_cast<long>(wait % 1000000000u)
      };
      // Shared (not private) futex: other processes wake us through the mapped file.
      sys::futex(&h->control, FUTEX_WAIT, seen, &ts);
    }
    if (!__atomic_load_n(&g_agent.tables_built, __ATOMIC_ACQUIRE) && monotonic_ns() >= tables_at)
      build_tables();
    if (g_agent.ring_fd >= 0 && !extend_ring(h, g_agent.ring_fd)) {
      set_message(
          "the ring could not grow (no space left in LAMBDASCOPE_RING_DIR?); samples past it are dropped");
      sys::call(SYS_close, g_agent.ring_fd);
      g_agent.ring_fd = -1;
    }
    uint32_t c = __atomic_load_n(&h->control, __ATOMIC_ACQUIRE);
    if (c != seen) {
      seen = c;
      apply_command(static_cast<ring::Command>(c & 0xff));
    }
    now = monotonic_ns();
    if (g_agent.config.duration_s != 0 &&
        now - g_start_ns >= uint64_t{g_agent.config.duration_s} * 1000000000u &&
        agent_state() != ring::State::kStopped) {
      apply_command(ring::Command::kStop);
    }
    if (now >= next) {
      housekeeping();
      next = now + rescan;
    }
  }
  return nullptr;
}

bool start_control_thread() {
  __atomic_store_n(&g_control_stop, false, __ATOMIC_RELEASE);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  // the thread takes none of the program's signals
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 128 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int rc = real::pthread_create(&g_control_thread, &attr, control_main, nullptr);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  g_control_running = rc == 0;
  return g_control_running;
}

// Go programs install their own handlers for every signal (and a static Go binary never loads us at all).
bool is_go_program() {
  long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/exe"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool go = false;
  Elf64_Ehdr eh;
  if (sys::call(SYS_pread64, fd, reinterpret_cast<long>(&eh), sizeof eh, 0) == sizeof eh &&
      eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_shentsize == sizeof(Elf64_Shdr) && eh.e_shnum < 1024 &&
      eh.e_shstrndx < eh.e_shnum) {
    Elf64_Shdr strtab;
    if (sys::call(SYS_pread64, fd, reinterpret_cast<long>(&strtab), sizeof strtab,
                  static_cast<long>(eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr))) == sizeof strtab) {
      for (int i = 0; i < eh.e_shnum && !go; ++i) {
        Elf64_Shdr sh;
        if (sys::call(SYS_pread64, fd, reinterpret_cast<long>(&sh), sizeof sh,
                      static_cast<long>(eh.e_shoff + i * sizeof(Elf64_Shdr))) != sizeof sh)
          break;
        char name[16] = {};
        if (sh.sh_name >= strtab.sh_size) continue;
        sys::call(SYS_pread64, fd, reinterpret_cast<long>(name), sizeof name - 1,
                  static_cast<long>(strtab.sh_offset + sh.sh_name));
        go = __builtin_strcmp(name, ".go.buildinfo") == 0 || __builtin_strcmp(name, ".gopclntab") == 0;
      }
    }
  }
  sys::call(SYS_close, fd);
  return go;
}

void fail(const char* text) {
  log(LogLevel::kError, "%s; not profiling this process", text);
  set_message(text);
  set_agent_state(ring::State::kFailed);
}

void atfork_prepare() {
  pthread_mutex_lock(&g_control_mutex);
}
void atfork_parent() {
  pthread_mutex_unlock(&g_control_mutex);
}
void atfork_child();

// Sets up sampling in this process: ring, signal, tables, timers or sampler, control thread.
void start_agent(bool forked) {
  Config& c = g_agent.config;
  real::resolve_clock();  // before the handler exists: it reads clocks
  g_agent.pid = sys::getpid();
  t_thread.pid = g_agent.pid;
  t_thread.tid = sys::gettid();
  t_thread.samples = 0;
  for (char& ch : t_thread.name) ch = 0;
  g_start_ns = monotonic_ns();
  const char* error = nullptr;
  ring::Header* h = create_ring(c, g_agent.pid, g_agent.signal, g_agent.period_ns, g_agent.ring_path,
                                sizeof g_agent.ring_path, &g_agent.ring_fd, &error);
  if (h == nullptr) {
    log(LogLevel::kError, "%s; not profiling this process", error);
    return;
  }
  g_agent.ring.attach(h);
  if (!forked) {
    if (is_go_program()) {
      fail("this is a Go program: its runtime owns the signals (use Go's own pprof)");
      return;
    }
    if (!sample_handler_init()) {
      fail("cannot allocate the handler's buffers");
      return;
    }
    remember_stack_bounds();
    int sig = c.signal != 0 ? c.signal : choose_signal(0);
    if (sig == 0) {
      fail(
          "no free signal: the program handles SIGPROF, SIGVTALRM, SIGPWR, SIGSTKFLT and the real-time "
          "signals");
      return;
    }
    if (c.signal != 0 && !signal_is_free(sig))
      log(LogLevel::kWarn, "LAMBDASCOPE_SIGNAL=%d already has a handler; taking it over as asked", sig);
    g_agent.signal = sig;
    h->signal = sig;
    install_fault_guard();
    // Object ranges now (cheap), tables now only when asked for without delay.
    code_cache_refresh(c.dwarf && c.table_delay_ms == 0);
    g_agent.tables_built = !c.dwarf || c.table_delay_ms == 0;
    g_pid_max = read_pid_max();
    if (!cpu_timers_init(g_pid_max)) {
      fail("cannot allocate the timer table");
      return;
    }
    if (!install_sample_handler(sig)) {
      fail("cannot install the signal handler");
      return;
    }
  }
  maps_writer_update();
  __atomic_store_n(&g_agent.active, true, __ATOMIC_RELEASE);
  set_agent_state(c.start_running ? ring::State::kRunning : ring::State::kPaused);
  start_sampling();
  start_control_thread();
  publish_stats();
  log(LogLevel::kInfo, "%s sampling at %u Hz on signal %d, ring %s", cpu_mode() ? "cpu" : "wall", c.hz,
      g_agent.signal, g_agent.ring_path);
}

void atfork_child() {
  pthread_mutex_unlock(&g_control_mutex);
  g_control_mutex = PTHREAD_MUTEX_INITIALIZER;
  if (!__atomic_load_n(&g_agent.active, __ATOMIC_ACQUIRE)) return;
  // Nothing of the parent's sampling survived fork: no timers, no threads. Stop writing to its ring first.
  __atomic_store_n(&g_agent.active, false, __ATOMIC_RELEASE);
  __atomic_store_n(&g_agent.state, static_cast<uint32_t>(ring::State::kStarting), __ATOMIC_RELEASE);
  g_agent.ring = RingWriter{};
  if (g_agent.ring_fd >= 0) sys::call(SYS_close, g_agent.ring_fd);  // the parent's ring file
  g_agent.ring_fd = -1;
  g_control_running = false;
  g_agent.agent_tids[0] = 0;
  code_cache_after_fork();
  cpu_timers_after_fork();
  wall_sampler_after_fork();
  maps_writer_reset();
  if (!g_agent.config.follow_children) return;
  start_agent(true);
}

__attribute__((constructor)) void agent_load() {
  Config c = read_config();
  if (!c.enabled) return;
  int pid = sys::getpid();
  if (!c.follow_children && c.root_pid != 0 && c.root_pid != pid) return;
  g_agent.config = c;
  g_agent.period_ns = 1000000000u / c.hz;
  remove_dead_rings(c.ring_dir, pid);  // of processes killed before their exit handlers ran
  start_agent(false);
  if (__atomic_load_n(&g_agent.active, __ATOMIC_ACQUIRE))
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

__attribute__((destructor)) void agent_unload() {
  if (!__atomic_load_n(&g_agent.active, __ATOMIC_ACQUIRE)) {
    // Failed to start (its ring says why): the ring goes unless someone reads it.
    release_ring_at_exit(g_agent.ring.header(), g_agent.config.ring_dir, g_agent.pid);
    return;
  }
  // exit() is running: stop the timers, but free nothing (other threads may still be in the handler).
  ring::State s = agent_state();
  if (s != ring::State::kStopped) stop_sampling();
  __atomic_store_n(&g_control_stop, true, __ATOMIC_RELEASE);
  publish_stats();
  set_agent_state(ring::State::kExited);
  release_ring_at_exit(g_agent.ring.header(), g_agent.config.ring_dir, g_agent.pid);
}

}  // namespace

void set_agent_state(ring::State s) {
  __atomic_store_n(&g_agent.state, static_cast<uint32_t>(s), __ATOMIC_RELEASE);
  if (ring::Header* h = g_agent.ring.header())
    __atomic_store_n(&h->state, static_cast<uint32_t>(s), __ATOMIC_RELEASE);
}

int current_tid() {
  ThreadState& t = t_thread;
  if (t.pid != g_agent.pid || t.tid == 0) {
    t.tid = sys::gettid();
    t.pid = g_agent.pid;
    t.stack_lo = t.stack_hi = 0;  // a forked child's copy: the bounds were its parent thread's
  }
  return t.tid;
}

bool is_agent_thread(int tid) {
  return tid == g_agent.agent_tids[0] || tid == g_agent.agent_tids[1];
}

void remember_stack_bounds() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* addr = nullptr;
  size_t size = 0;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0 && addr != nullptr) {
    t_thread.stack_lo = reinterpret_cast<uintptr_t>(addr);
    t_thread.stack_hi = reinterpret_cast<uintptr_t>(addr) + size;
  }
  pthread_attr_destroy(&attr);
}

int apply_command(ring::Command command) {
  if (!__atomic_load_n(&g_agent.active, __ATOMIC_ACQUIRE)) return -1;
  pthread_mutex_lock(&g_control_mutex);
  ring::State s = agent_state();
  switch (command) {
    case ring::Command::kStart:
      if (s == ring::State::kPaused) {
        set_agent_state(ring::State::kRunning);
        if (uses_timers()) cpu_timers_arm_all(true);
      }
      break;
    case ring::Command::kPause:
      if (s == ring::State::kRunning) {
        set_agent_state(ring::State::kPaused);
        if (uses_timers()) cpu_timers_arm_all(false);
      }
      break;
    case ring::Command::kStop:
      if (s == ring::State::kRunning || s == ring::State::kPaused) {
        set_agent_state(ring::State::kStopped);
        stop_sampling();
        publish_stats();
      }
      break;
    case ring::Command::kNone:
      break;
  }
  pthread_mutex_unlock(&g_control_mutex);
  return 0;
}

void on_thread_start() {
  if (!__atomic_load_n(&g_agent.active, __ATOMIC_ACQUIRE)) return;
  t_thread.pid = g_agent.pid;
  t_thread.tid = sys::gettid();
  t_thread.samples = 0;
  remember_stack_bounds();
  // Threads inherit their creator's mask; a program that blocks everything before creating workers would
  // otherwise never be sampled. Our signal is one the program does not use.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, g_agent.signal);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  ring::State s = agent_state();
  if (!cpu_mode()) wall_thread_started(t_thread.tid, monotonic_ns());
  if (uses_timers() && (s == ring::State::kRunning || s == ring::State::kPaused))
    cpu_timer_create(t_thread.tid, s == ring::State::kRunning, true);
}

void on_thread_exit() {
  if (!__atomic_load_n(&g_agent.active, __ATOMIC_ACQUIRE)) return;
  if (uses_timers()) cpu_timer_delete(current_tid());
}

void on_libraries_changed() {
  if (!__atomic_load_n(&g_agent.active, __ATOMIC_ACQUIRE)) return;
  if (!code_cache_stale()) return;
  code_cache_refresh(want_tables());
  maps_writer_update();
}

void on_signal_claimed(int sig) {
  if (!__atomic_load_n(&g_agent.active, __ATOMIC_ACQUIRE) || sig != g_agent.signal) return;
  // sigaction may be called from a signal handler that interrupted this very thread inside the agent's
  // control code: never wait for the lock here. The periodic ownership check catches what this skips.
  if (pthread_mutex_trylock(&g_control_mutex) != 0) return;
  ring::State s = agent_state();
  if (sig == g_agent.signal && (s == ring::State::kRunning || s == ring::State::kPaused)) move_signal(sig);
  pthread_mutex_unlock(&g_control_mutex);
}

void on_fault_handler_replaced() {
  fault_guard_lost();
}

}  // namespace lambdascope::agent

extern "C" {
__attribute__((visibility("default"))) int lambdascope_agent_start(void) {
  return lambdascope::agent::apply_command(lambdascope::agent::ring::Command::kStart);
}
__attribute__((visibility("default"))) int lambdascope_agent_pause(void) {
  return lambdascope::agent::apply_command(lambdascope::agent::ring::Command::kPause);
}
__attribute__((visibility("default"))) int lambdascope_agent_stop(void) {
  return lambdascope::agent::apply_command(lambdascope::agent::ring::Command::kStop);
}
__attribute__((visibility("default"))) int lambdascope_agent_state(void) {
  using namespace lambdascope::agent;
  return __atomic_load_n(&g_agent.active, __ATOMIC_ACQUIRE) ? static_cast<int>(agent_state()) : -1;
}
__attribute__((visibility("default"))) int lambdascope_agent_signal(void) {
  return lambdascope::agent::g_agent.signal;
}
__attribute__((visibility("default"))) const char* lambdascope_agent_ring_path(void) {
  return lambdascope::agent::g_agent.ring_path;
}
}
