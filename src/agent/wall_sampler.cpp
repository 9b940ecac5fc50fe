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
#include "agent/text_scan.hpp"
#include "agent/thread_list.hpp"

namespace lambdascope::agent {

namespace {

// A thread whose CPU time grew by less than this since its last sample counts as not having run: it gets
// an idle record. async-profiler uses the same threshold (RUNNABLE_THRESHOLD_NS).
constexpr uint64_t kRunnableThresholdNs = 10000;

struct PerThread {
  uint64_t cpu_ns;        // CPU time at the last signal (re-read after its handler ran)
  uint64_t pending;       // for the handler of the signal just sent: pack_pending(weight, CPU time)
  uint32_t sampled;       // signalled at least once
  uint32_t early;         // its last stack was taken before the unwind tables existed (frame pointers only)
  int32_t wait_syscall;   // the system call it was blocked in at its last sample; -1 running or unknown
  uint64_t wait_where;    // and where (BlockedIn)
  uint64_t stack_ns;      // when its last stack was taken (the handler's clock); 0 unknown
  uint64_t signalled_ns;  // cycle that sent the signal its handler has not finished; 0 none
  uint64_t ran_ns;        // the last cycle that found its CPU time grown
  uint64_t handled_cpu;   // its CPU time at the end of its last handler (0: taken by the sampler, or none)
  uint64_t read_cpu;      // its CPU time at the sampler's last reading (cpu_ns is at its last sample)
  // Dormancy (see Accounting): a thread long in the same wait is not looked at every cycle.
  uint64_t acct_ns;        // its CPU time as last counted in Accounting::tracked
  uint64_t deferred_from;  // the first and last cycle of the periods not yet written
  uint64_t deferred_to;
  uint32_t deferred;  // periods not yet written
  uint32_t dormant;
};

// An idle thread costs a CPU-clock read and an idle record per cycle; a pool of them, at 997 Hz, more than
// a small function can spare (issue 13: the agent within 1% of the function's CPU share). A thread in the
// same wait for kDormantAfterNs goes dormant: it is not read, and its periods are written together (an
// IdleSpanRecord) every kMaxDeferNs. Whether a dormant thread ran is known from the process's CPU clock:
// what it grew by beyond what the threads read (and the agent's own) used is CPU of threads not read. Once
// that debt passes kWakeThresholdNs the dormant threads are read in the same cycle, so a wake is seen no
// later than a non-dormant thread's would be. The thread list is kept between cycles and read again on
// such a check (a new thread must run to exist), and at least every kRelistNs.
constexpr uint64_t kDormantAfterNs = 30000000;
// Short: the Lambda extension cuts an invocation's window soon after it ends, and periods written after
// that are lost to it.
constexpr uint64_t kMaxDeferNs = 5000000;
constexpr uint64_t kWakeThresholdNs = 30000;
constexpr uint64_t kRelistNs = 1000000000;

uint64_t clock_ns(clockid_t clock);

struct Accounting {
  bool valid = false;
  uint64_t process_ns = 0;  // the process's CPU time at the last settling
  uint64_t own_ns = 0;      // the agent's threads' CPU time then
  uint64_t control_ns = 0;
  uint64_t explained = 0;  // CPU the threads read used since then
  int64_t debt = 0;        // CPU nobody read explains, since every thread was last read
};

// Counts the CPU `pt` used since its last reading.
void account(Accounting& a, PerThread& pt, uint64_t cpu) {
  a.explained += cpu >= pt.acct_ns ? cpu - pt.acct_ns : cpu;  // smaller: a new thread, same tid
  pt.acct_ns = cpu;
}

// Reads the process's and the agent's clocks after the threads it is compared with (so a thread running
// meanwhile errs towards a check, never towards a missed wake) and adds what no reading explains to the
// debt. `all`: every thread was read just now, nothing is owed.
void settle(Accounting& a, bool all) {
  uint64_t own = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  uint64_t control = 0;
  if (int tid = g_agent.agent_tids[0]; tid > 0) control = clock_ns(sys::thread_cpu_clock(tid));
  uint64_t process = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
  if (a.valid) {
    a.explained +=
        (own >= a.own_ns ? own - a.own_ns : own) + (control >= a.control_ns ? control - a.control_ns : 0);
    a.debt += static_cast<int64_t>(process - a.process_ns) - static_cast<int64_t>(a.explained);
    if (a.debt < 0) a.debt = 0;  // a thread read for the first time brings CPU from before: no credit
  }
  if (all) a.debt = 0;
  a.valid = true;
  a.own_ns = own;
  a.control_ns = control;
  a.process_ns = process;
  a.explained = 0;
}

// A thread that has not run for this long is taken to be in its wait, not waiting for a CPU, without reading
// its state: a function throttled to its CPU share waits at most one CFS period (100 ms) for it. Saves a
// /proc read (some 15 us) per cycle for each thread of an idle pool.
constexpr uint64_t kRunnableWindowNs = 200000000;

// A signal not handled after this long is taken for lost (the thread masks it, or sleeps uninterruptibly).
constexpr uint64_t kMaxUnhandledNs = 1000000000;

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

// Reads the start of /proc/<pid>/task/<tid>/<file> into `buf`; bytes read, or -1. Raw syscalls, a stack
// buffer: the sampler thread never allocates.
long read_task_file(int tid, const char* file, char* buf, size_t size) {
  char path[64];
  size_t at = append(path, 0, sizeof path, "/proc/");
  at = append_number(path, at, sizeof path, static_cast<uint64_t>(g_agent.pid));
  at = append(path, at, sizeof path, "/task/");
  at = append_number(path, at, sizeof path, static_cast<uint64_t>(tid));
  append(path, at, sizeof path, file);
  long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long n = sys::call(SYS_read, fd, reinterpret_cast<long>(buf), static_cast<long>(size));
  sys::call(SYS_close, fd);
  return n;
}

// Where a thread is blocked: the system call, and a word for the place (its first argument and the user
// stack pointer). A loop around one nanosleep or poll blocks at the same place each time; two futex waits
// (a lock inside the garbage collector, then Atomics.wait) share the call, not the place.
struct BlockedIn {
  int32_t nr;      // -1: running, or unknown
  uint64_t where;  // arg1 and sp mixed
};

// Reads /proc/<pid>/task/<tid>/syscall: "nr arg1 arg2 arg3 arg4 arg5 arg6 sp pc" (hex after nr), or
// "running", or nothing without access.
BlockedIn blocked_in(int tid) {
  char buf[256];
  long n = read_task_file(tid, "/syscall", buf, sizeof buf);
  if (n <= 0 || buf[0] < '0' || buf[0] > '9') return {-1, 0};
  const char* p = buf;
  const char* end = buf + n;
  const uint64_t nr = dec(p, end);
  uint64_t fields[8] = {};  // arg1..arg6, sp, pc
  for (uint64_t& field : fields) {
    skip_spaces(p, end);
    if (end - p >= 2 && p[0] == '0' && p[1] == 'x') p += 2;
    field = hex(p, end);
  }
  return {nr < 100000 ? static_cast<int32_t>(nr) : -1, fields[0] * 0x9e3779b97f4a7c15ull ^ fields[6]};
}

bool same_wait(const BlockedIn& b, int32_t nr, uint64_t where) {
  return b.nr >= 0 && b.nr == nr && b.where == where;
}

// True when the thread is runnable (/stat state R): woken from its wait but not yet given a CPU, as a
// function throttled to its CPU share is for most of each period. Its stack still ends in the wait it is
// leaving, and /syscall still names that call: only the state tells the two apart.
bool runnable(int tid) {
  char buf[256];
  long n = read_task_file(tid, "/stat", buf, sizeof buf);
  // "tid (comm) S ...": the comm may hold spaces and parentheses, the state follows the last ')'.
  long paren = -1;
  for (long i = 0; i < n; ++i)
    if (buf[i] == ')') paren = i;
  return paren >= 0 && paren + 2 < n && buf[paren + 2] == 'R';
}

// The threads as last listed, and the cycle's scratch: mapped once, off the sampler's small stack.
struct Cycle {
  int tids[4096];
  int count;
  int dormant[4096];
};

void collect(int tid, void* ctx) {
  auto* c = static_cast<Cycle*>(ctx);
  if (c->count < 4096 && !is_agent_thread(tid)) c->tids[c->count++] = tid;
}

// A wall sample's weight (periods it stands for) and CPU time, handed to the handler in one word.
constexpr uint64_t kCpuBits = 48;  // 78 hours of CPU time
uint64_t pack_pending(uint32_t weight, uint64_t cpu_ns) {
  return (uint64_t{weight} << kCpuBits) | (cpu_ns & ((uint64_t{1} << kCpuBits) - 1));
}

// Periods a cycle stands for: 1 on schedule; more when the sampler ran late (starved by a busy machine), as
// timer overruns count in CPU mode. Lateness over this that the sampler did not spend waiting for a CPU is
// taken for a freeze, not for starvation.
constexpr uint64_t kFreezeGapNs = 50000000;
// At most this many periods in one cycle (a sample's weight): 0xffff is the most a record holds.
constexpr int64_t kMostPeriods = 4096;

// The sampler's own run delay: the time it was runnable but not running (/proc/thread-self/schedstat's
// second field). Throttling and a busy machine add to it; a freeze does not (stopped or frozen processes are
// not runnable). Read every cycle, so the file stays open (one pread, under a microsecond; opening it each
// time costs 10 us), on a descriptor above the program's: a program that closes it and reuses the number
// is noticed (the text is not schedstat's) and that descriptor left alone. Without schedstat every late
// cycle counts as frozen.
int g_delay_fd = -1;

// Where descriptors above the program's begin: the upper eighth of the process's descriptor table as it is
// (/proc/self/status, FDSize), not beyond it. A descriptor past the table's end makes the kernel grow the
// table, and in a threaded process that waits for an RCU grace period (12 ms typically here, 24 under
// load) while every thread of the program that opens a file waits too. 0 when it cannot be read.
int fd_floor() {
  char buf[2048];
  long fd =
      sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/status"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  long n = sys::call(SYS_read, fd, reinterpret_cast<long>(buf), static_cast<long>(sizeof buf));
  sys::call(SYS_close, fd);
  static constexpr char kKey[] = "\nFDSize:\t";
  constexpr long kKeyLength = sizeof kKey - 1;
  for (long i = 0; i + kKeyLength <= n; ++i) {
    long k = 0;
    while (k < kKeyLength && buf[i + k] == kKey[k]) ++k;
    if (k < kKeyLength) continue;
    const char* p = buf + i + k;
    const uint64_t size = dec(p, buf + n);
    return size >= 16 && size < (1u << 30) ? static_cast<int>(size - size / 8) : 0;
  }
  return 0;
}

void open_run_delay() {
  long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/thread-self/schedstat"),
                      O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  const int floor = fd_floor();
  long high = floor > fd ? sys::call(SYS_fcntl, fd, F_DUPFD_CLOEXEC, floor) : -1;
  if (high >= 0) {
    sys::call(SYS_close, fd);
    g_delay_fd = static_cast<int>(high);
  } else {
    g_delay_fd = static_cast<int>(fd);  // the table's top is taken (or unknown): where it was opened
  }
}

void close_run_delay() {
  if (g_delay_fd >= 0) sys::call(SYS_close, g_delay_fd);
  g_delay_fd = -1;
}

// The run delay so far, or 0 when it cannot be read.
uint64_t read_run_delay() {
  if (g_delay_fd < 0) return 0;
  char buf[96];
  long n = sys::call(SYS_pread64, g_delay_fd, reinterpret_cast<long>(buf), static_cast<long>(sizeof buf), 0);
  // "cpu_ns run_delay_ns timeslices\n"
  long i = 0;
  while (i < n && buf[i] >= '0' && buf[i] <= '9') ++i;
  bool ok = i > 0 && i < n && buf[i] == ' ';
  uint64_t v = 0;
  long digits = 0;
  for (++i; ok && i < n && buf[i] >= '0' && buf[i] <= '9'; ++i, ++digits)
    v = v * 10 + static_cast<uint64_t>(buf[i] - '0');
  if (!ok || digits == 0 || i >= n || buf[i] != ' ') {
    g_delay_fd = -1;  // not ours any more (closed, or reused by the program): never touched again
    return 0;
  }
  return v;
}

// The run delay since the previous call (`last` keeps that reading); 0 without two readings.
uint64_t run_delay_since(uint64_t& last) {
  const uint64_t now = read_run_delay();
  const uint64_t d = now != 0 && last != 0 && now > last ? now - last : 0;
  last = now;
  return d;
}

// Weight 0 with CPU time: CPU used by the thread's previous stack, no wall time of its own; stamped with the
// time that stack was taken (`now` is then the PerThread's stack_ns, see weightless_time).
void write_idle(int tid, uint64_t now, uint32_t weight, uint64_t cpu_ns, uint16_t flags = 0) {
  RingWriter& ring = g_agent.ring;
  uint8_t* p = ring.reserve(sizeof(ring::IdleRecord));
  if (p == nullptr) {
    ring.count(ring::kDroppedFull);
    return;
  }
  auto* rec = reinterpret_cast<ring::IdleRecord*>(p);
  rec->time_ns = now;
  rec->tid = tid;
  rec->weight = weight;
  rec->cpu_ns = cpu_ns;
  RingWriter::publish(p, ring::RecordType::kIdle, sizeof(ring::IdleRecord), flags);
  ring.count(ring::kIdleSamples);
}

// A weightless idle record gives CPU time to the thread's previous stack: it carries that stack's time, not
// the cycle's, so it lands in the window the stack was taken in (the thread may be in the next invocation
// by now).
uint64_t weightless_time(const PerThread& pt, uint64_t cycle_start) {
  uint64_t t = __atomic_load_n(&pt.stack_ns, __ATOMIC_ACQUIRE);
  return t != 0 ? t : cycle_start;
}

// The thread has not handled our last signal yet: it waits for a CPU (the signal woke it if it slept), its
// stack is the one the handler will take. Adds this cycle's periods to that sample (time spent runnable is
// the running stack's, not a wait's) and returns true; false when the signal is taken for lost.
bool still_signalled(PerThread& pt, int tid, uint64_t cycle_start, uint32_t weight) {
  uint64_t sent = __atomic_load_n(&pt.signalled_ns, __ATOMIC_ACQUIRE);
  if (sent == 0) return false;
  // Blocked in a system call with our signal pending: it masks the signal (or sleeps uninterruptibly).
  if (cycle_start - sent > kMaxUnhandledNs || blocked_in(tid).nr >= 0) {
    __atomic_store_n(&pt.signalled_ns, 0, __ATOMIC_RELEASE);
    return false;
  }
  uint64_t v = __atomic_load_n(&pt.pending, __ATOMIC_ACQUIRE);
  // v == 0: the handler is running (it took the pending sample); this cycle's periods are not counted.
  while (v != 0) {
    uint64_t w = (v >> kCpuBits) + weight;
    if (w > 0xffff) w = 0xffff;
    uint64_t next = (w << kCpuBits) | (v & ((uint64_t{1} << kCpuBits) - 1));
    if (__atomic_compare_exchange_n(&pt.pending, &v, next, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) break;
  }
  return true;
}

// Writes the thread's deferred periods as one span record.
void flush_deferred(PerThread& pt, int tid) {
  if (pt.deferred == 0) return;
  RingWriter& ring = g_agent.ring;
  uint8_t* p = ring.reserve(sizeof(ring::IdleSpanRecord));
  if (p == nullptr) {
    ring.count(ring::kDroppedFull);
  } else {
    auto* rec = reinterpret_cast<ring::IdleSpanRecord*>(p);
    rec->time_ns = pt.deferred_to;
    rec->tid = tid;
    rec->weight = pt.deferred;
    rec->first_ns = pt.deferred_from;
    RingWriter::publish(p, ring::RecordType::kIdleSpan, sizeof(ring::IdleSpanRecord), 0);
    ring.count(ring::kIdleSamples, pt.deferred);
  }
  pt.deferred = 0;
}

// A dormant thread's period, written later with the others (every kMaxDeferNs).
void defer(PerThread& pt, int tid, uint64_t cycle_start, uint32_t weight) {
  if (pt.deferred == 0) pt.deferred_from = cycle_start;
  pt.deferred += weight;
  pt.deferred_to = cycle_start;
  if (cycle_start - pt.deferred_from >= kMaxDeferNs) flush_deferred(pt, tid);
}

void flush_all_deferred(const Cycle& c) {
  for (int i = 0; i < c.count; ++i)
    if (c.tids[i] <= g_pid_max) {
      flush_deferred(g_threads[c.tids[i]], c.tids[i]);
      g_threads[c.tids[i]].dormant = 0;
    }
}

// What one cycle knows while it visits the threads.
struct CycleState {
  uint64_t start;
  uint32_t weight;
  uint64_t max_cpu;
  bool tables;
  bool relist;  // a thread listed is gone: list them again next cycle
  int to_signal[4096];
  int num_signal;
  int num_sent;       // of to_signal, the signals sent so far
  uint32_t per_tick;  // signals sent at once; the rest spread over the period
};

// Sends the cycle's signals up to `until` (of to_signal).
void send_signals(CycleState& cs, int until) {
  for (; cs.num_sent < until; ++cs.num_sent) {
    const int tid = cs.to_signal[cs.num_sent];
    PerThread& pt = g_threads[tid];
    __atomic_store_n(&pt.signalled_ns, cs.start, __ATOMIC_RELEASE);
    if (sys::tgkill(g_agent.pid, tid, g_agent.signal) == 0)
      g_agent.ring.count(ring::kSignalsSent);
    else
      __atomic_store_n(&pt.signalled_ns, 0, __ATOMIC_RELEASE);
  }
}

// Queues a signal for `tid`'s stack. The first tick's signals go out at once, as each thread is visited, not
// after the whole cycle: a sampler held back mid-cycle (a function throttled to its CPU share can leave it
// without CPU for a few hundred ms while the function's own thread runs) would otherwise take the stacks only
// after the delay, from code that has moved on (a whole invocation's handler was missing so).
void queue_signal(CycleState& cs, int tid) {
  cs.to_signal[cs.num_signal++] = tid;
  if (static_cast<uint32_t>(cs.num_signal) <= cs.per_tick) send_signals(cs, cs.num_signal);
}

// Reads one thread's CPU clock and decides: an idle record (it did not run, or ran and is back in the same
// wait), or a signal for its stack.
void visit(PerThread& pt, int tid, CycleState& cs, Accounting& acct) {
  const uint64_t cycle_start = cs.start;
  const uint32_t weight = cs.weight;
  const uint64_t max_cpu = cs.max_cpu;
  const bool tables = cs.tables;
  const uint64_t handled = __atomic_exchange_n(&pt.handled_cpu, 0, __ATOMIC_ACQ_REL);
  uint64_t cpu = clock_ns(sys::thread_cpu_clock(tid));
  if (cpu == 0) {  // it exited since the threads were listed
    cs.relist = true;
    return;
  }
  // Its CPU time as its last handler ended: the handler's own cost is not the thread running, nor is the
  // little it takes to return to a wait the signal interrupted (restarting the system call).
  if (handled != 0) pt.cpu_ns = cpu >= handled && cpu - handled < kRunnableThresholdNs ? cpu : handled;
  account(acct, pt, cpu);
  // Scheduled since the last reading. Not "since the last sample": a thread that used a few microseconds
  // once keeps that on its clock (cpu_ns) until its next real sample, and would count as running, never go
  // dormant and have its /proc files read every cycle.
  const bool moved = cpu != pt.read_cpu;
  pt.read_cpu = cpu;
  if (pt.dormant) {
    if (!moved) {
      defer(pt, tid, cycle_start, weight);
      return;
    }
    // It ran: its deferred periods were its wait's (unless the tid is another thread's now).
    if (cpu > pt.cpu_ns) flush_deferred(pt, tid);
    pt.deferred = 0;
    pt.dormant = 0;
  }
  if (moved) pt.ran_ns = cycle_start;
  if (pt.sampled && cpu >= pt.cpu_ns && cpu - pt.cpu_ns < kRunnableThresholdNs) {
    // An idle record repeats the thread's last stack: right only when that stack was a wait. A thread
    // running at its last sample that did not run since has blocked (the end of a computation, then a
    // wait) or waits for a CPU: one signal learns where (it interrupts no sleep of the program's that
    // the program did not just enter), and the CPU it used before goes to its previous stack.
    // Not scheduled at all since the last reading (its CPU clock has not moved): it cannot have left the
    // wait it was in, no need to read which.
    const BlockedIn b =
        !moved && pt.wait_syscall >= 0 ? BlockedIn{pt.wait_syscall, pt.wait_where} : blocked_in(tid);
    if (pt.wait_syscall >= 0 && (b.nr < 0 || same_wait(b, pt.wait_syscall, pt.wait_where)) &&
        !(pt.early && tables)) {
      // Still in the wait of its last sample. Woken but not running yet: waiting for a CPU, not for
      // what it was waiting on.
      bool recent = cycle_start - pt.ran_ns < kRunnableWindowNs;
      uint16_t flags = recent && runnable(tid) ? ring::kIdleRunnable : 0;
      write_idle(tid, cycle_start, weight, 0, flags);
      // Long in this wait, not waiting for a CPU, its stack known: dormant from the next cycle.
      if (flags == 0 && !moved && cycle_start - pt.ran_ns >= kDormantAfterNs) pt.dormant = 1;
      return;
    }
    // Blocked in another call than at its last sample, with next to no CPU between (one wait after
    // another: a barrier, then a sleep): the stack we have is not where it waits now.
    if (cpu != pt.cpu_ns) write_idle(tid, weightless_time(pt, cycle_start), 0, cpu - pt.cpu_ns);
    pt.cpu_ns = cpu;
    pt.wait_syscall = b.nr;
    pt.wait_where = b.where;
    pt.early = !tables;
    __atomic_store_n(&pt.pending, pack_pending(weight, 0), __ATOMIC_RELEASE);
    queue_signal(cs, tid);
    return;
  }
  // Where it is blocked now, if it is: one /proc read per thread that ran (even a thread that ran
  // the whole interval as far as we can tell may have blocked at its end, on a busy machine).
  const BlockedIn b = blocked_in(tid);
  const int32_t nr = b.nr;
  if (!pt.sampled && !tables && nr >= 0) {
    // Its first sample is the stack every later idle record repeats: taken once the unwind tables
    // exist (libc's sleeping calls have no frame pointers), until then "[not sampled yet]".
    write_idle(tid, cycle_start, weight, 0);
    return;
  }
  if (!pt.sampled) g_agent.ring.count(ring::kThreadsSeen);
  uint64_t used = pt.sampled && cpu >= pt.cpu_ns ? cpu - pt.cpu_ns : cpu;
  if (used > max_cpu) used = max_cpu;
  bool was_sampled = pt.sampled;
  pt.cpu_ns = cpu;
  pt.sampled = 1;
  // It ran, but for less than the whole interval: it may be blocked again. When it is blocked in the
  // same system call as at its last sample (a loop around nanosleep or poll), its stack is most
  // likely the one we have, and a signal would cut that sleep short (nanosleep and poll fail with
  // EINTR): an idle record with its CPU time instead. A thread blocked somewhere new is signalled,
  // so the stack of its wait is known.
  if (was_sampled && same_wait(b, pt.wait_syscall, pt.wait_where) && !(pt.early && tables)) {
    write_idle(tid, cycle_start, weight, used);
    return;
  }
  const bool was_waiting = pt.wait_syscall >= 0;
  pt.wait_syscall = nr;
  pt.wait_where = b.where;
  if (was_sampled && nr >= 0 && used != 0 && !was_waiting) {
    // Blocked somewhere new: the CPU time was spent before it blocked, in the code of its previous
    // sample, not in the wait the signal will find. A weightless idle record carries it there.
    // Not when that sample was itself a wait: it left that wait to use the CPU (it woke and blocked again
    // between two looks), so the CPU goes with the new sample, the code that led to where it waits now;
    // never to the wait it had left.
    write_idle(tid, weightless_time(pt, cycle_start), 0, used);
    used = 0;
  }
  pt.early = !tables;
  __atomic_store_n(&pt.pending, pack_pending(weight, used), __ATOMIC_RELEASE);
  queue_signal(cs, tid);
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
  int64_t carry = 0;            // wall time not yet given to a sample's weight (negative: given ahead)
  uint64_t listed_ns = 0;       // when `cycle` last listed the threads
  Accounting acct;
  auto* state = static_cast<CycleState*>(map_anonymous(page_round(sizeof(CycleState))));
  if (state == nullptr) {
    sys::munmap(cycle, page_round(sizeof(Cycle)));
    return nullptr;
  }
  open_run_delay();
  uint64_t last_run_delay = read_run_delay();
  CycleState& cs = *state;
  cs.relist = true;
  cs.per_tick = per_tick;
  int* dormant = cycle->dormant;
  while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
    uint64_t cycle_start = clock_ns(CLOCK_MONOTONIC);
    const uint64_t late = cycle_start > next ? cycle_start - next : 0;
    const uint64_t waited = run_delay_since(last_run_delay);  // of that lateness, time waiting for a CPU
    if (cycle_start > next + period) next = cycle_start;      // frozen or starved: do not catch up
    if (agent_state() != ring::State::kRunning) {
      if (previous_cycle != 0) flush_all_deferred(*cycle);  // paused: what was deferred is written now
      previous_cycle = 0;
      carry = 0;
      acct.valid = false;
    }
    if (agent_state() == ring::State::kRunning) {
      // A thread cannot have used more CPU than the wall time since the previous cycle: that bounds the
      // first sample of a new thread (its whole CPU time so far) and of every thread after a pause (its
      // baseline is stale), so time before sampling began is never charged to a sample.
      // Nor more than the period a wall sample stands for (a starved sampler runs late cycles): wall minus
      // CPU is a frame's waiting time, never negative.
      const uint64_t gap = previous_cycle != 0 ? cycle_start - previous_cycle : period;
      // Whole periods, with what rounding left over carried to the next cycle: late cycles weigh more, so a
      // busy moment (when the sampler is starved) is not under-represented against an idle one. Lateness
      // the sampler did not spend waiting for a CPU is a freeze (Lambda between invocations, or a stopped
      // process), whose time is not the function's: more than kFreezeGapNs of it and the cycle weighs
      // only the rest. Lateness spent waiting for a CPU is the function's time: a function throttled to
      // its CPU share (128 MB gets 7% of a CPU, in bursts every 100 ms) leaves the sampler runnable but
      // without a CPU for most of each period, and those periods count.
      const uint64_t frozen = late > waited ? late - waited : 0;
      uint32_t weight = 1;
      const int64_t p = static_cast<int64_t>(period);
      if (frozen > kFreezeGapNs) {
        const uint64_t counted = gap > frozen ? gap - frozen : 0;
        weight = static_cast<uint32_t>(counted / period < 1 ? 1 : counted / period);
        if (weight > kMostPeriods) weight = kMostPeriods;
        carry = 0;
      } else {
        const int64_t owed = static_cast<int64_t>(gap) + carry;
        const int64_t periods = (owed + p / 2) / p;
        // Starved past the freeze limit (the CPU wait explains it): the periods, up to a bound on what one
        // sample stands for.
        const int64_t most =
            waited > kFreezeGapNs ? kMostPeriods : static_cast<int64_t>(kFreezeGapNs / period) + 1;
        weight = static_cast<uint32_t>(periods < 1 ? 1 : periods > most ? most : periods);
        carry = owed - static_cast<int64_t>(weight) * p;
        if (carry > most * p || carry < -most * p) carry = 0;
      }
      cs.start = cycle_start;
      cs.weight = weight;
      cs.max_cpu = previous_cycle == 0 ? 0 : gap < weight * period ? gap : weight * period;
      // Until the .eh_frame tables exist the handler walks frame pointers, which skip the caller of a libc
      // call that has none (clock_nanosleep's caller is lost). A stack taken then is taken again once they
      // exist, before idle records repeat it any longer (a signal sent while the thread ran may be handled
      // once it blocked).
      cs.tables = __atomic_load_n(&g_agent.tables_built, __ATOMIC_ACQUIRE);
      cs.num_signal = 0;
      cs.num_sent = 0;
      previous_cycle = cycle_start;
      // A check of every thread: after a start or a pause, or when CPU went unexplained since the last one.
      const bool full = !acct.valid || acct.debt > static_cast<int64_t>(kWakeThresholdNs);
      if (full || cs.relist || cycle_start - listed_ns >= kRelistNs) {
        cycle->count = 0;
        for_each_thread(collect, cycle);
        listed_ns = cycle_start;
        cs.relist = false;
      }
      int num_dormant = 0;
      for (int i = 0; i < cycle->count; ++i) {
        int tid = cycle->tids[i];
        if (tid > g_pid_max) continue;
        PerThread& pt = g_threads[tid];
        if (still_signalled(pt, tid, cycle_start, weight)) continue;
        if (pt.dormant && !full) {
          dormant[num_dormant++] = tid;
          continue;
        }
        visit(pt, tid, cs, acct);
      }
      // The dormant threads: read when the process used CPU the threads read do not explain (one of them
      // ran), else their periods are deferred unread.
      settle(acct, full);
      if (num_dormant > 0) {
        const bool wake = acct.debt > static_cast<int64_t>(kWakeThresholdNs);
        for (int i = 0; i < num_dormant; ++i) {
          PerThread& pt = g_threads[dormant[i]];
          if (wake)
            visit(pt, dormant[i], cs, acct);
          else
            defer(pt, dormant[i], cycle_start, weight);
        }
        if (wake) settle(acct, true);
      }
      // The rest in ticks of `per_tick`, spread over the period (the first tick went out during the visits).
      const uint32_t ticks = (static_cast<uint32_t>(cs.num_signal) + per_tick - 1) / per_tick;
      for (uint32_t t = 1; t < ticks && !__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE); ++t) {
        sleep_until(cycle_start + period * t / ticks);
        const uint32_t until = (t + 1) * per_tick;
        send_signals(cs,
                     until < static_cast<uint32_t>(cs.num_signal) ? static_cast<int>(until) : cs.num_signal);
      }
      // The handler stores its thread's CPU time as it ends (handled_cpu), so the sampler need not wake
      // again to read it (a wake costs some 40 us on Firecracker).
    }
    next += period;
    sleep_until(next);
  }
  flush_all_deferred(*cycle);
  close_run_delay();
  sys::munmap(state, page_round(sizeof(CycleState)));
  sys::munmap(cycle, page_round(sizeof(Cycle)));
  return nullptr;
}

}  // namespace

WallSample wall_sample_take(int tid) {
  PerThread* threads = g_threads;
  if (threads == nullptr || tid <= 0 || tid > g_pid_max) return {1, 0, false};
  uint64_t v = __atomic_exchange_n(&threads[tid].pending, 0, __ATOMIC_ACQ_REL);
  uint32_t weight = static_cast<uint32_t>(v >> kCpuBits);
  // Written before `pending` was stored (release), read after taking it (acquire).
  bool waiting = __atomic_load_n(&threads[tid].wait_syscall, __ATOMIC_RELAXED) >= 0;
  return {weight != 0 ? weight : 1u, v & ((uint64_t{1} << kCpuBits) - 1), waiting};
}

void wall_sample_done(int tid, uint64_t stack_ns) {
  PerThread* threads = g_threads;
  if (threads == nullptr || tid <= 0 || tid > g_pid_max) return;
  if (stack_ns != 0) __atomic_store_n(&threads[tid].stack_ns, stack_ns, __ATOMIC_RELEASE);
  // The thread's CPU time now, the handler's cost included (a raw system call: async-signal-safe).
  struct timespec ts;
  if (sys::call(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, reinterpret_cast<long>(&ts)) == 0) {
    uint64_t cpu = static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
    __atomic_store_n(&threads[tid].handled_cpu, cpu != 0 ? cpu : 1, __ATOMIC_RELEASE);
  }
  __atomic_store_n(&threads[tid].signalled_ns, 0, __ATOMIC_RELEASE);
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
  close_run_delay();  // the parent's sampler's; the child's sampler opens its own
  g_running = false;
  g_agent.agent_tids[1] = 0;
  if (g_threads != nullptr)
    for (int tid = 1; tid <= g_pid_max; ++tid)
      if (g_threads[tid].sampled || g_threads[tid].signalled_ns != 0) g_threads[tid] = PerThread{};
}

}  // namespace lambdascope::agent
