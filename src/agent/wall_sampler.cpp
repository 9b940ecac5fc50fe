#include "agent/wall_sampler.hpp"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "agent/agent_state.hpp"
#include "agent/cpu_timers.hpp"
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
  uint64_t cpu_ns;   // CPU time at the last signal (re-read after its handler ran)
  uint64_t pending;  // for the handler of the signal just sent: pack_pending(1, CPU time)
  // What the thread's records so far account for, taken by whoever writes the next one (the sampler, the
  // handler of its signal, or of the thread's own CPU timer), with atomic exchanges: a record's wall weight
  // is the periods since `wall_ns` (CLOCK_MONOTONIC; 0: none yet), its CPU time what the thread's CPU clock
  // grew by since `cpu_given` (0: none given yet, the first is bounded).
  uint64_t wall_ns;
  uint64_t cpu_given;
  uint32_t timer_stack;  // a CPU timer took its stack since the sampler last looked: its last stack ran
  // Its last record was of a wait: when it is next seen running, the periods until it woke are that wait's
  // (wait_until), not the next stack's.
  uint32_t in_wait;
  // When it woke from that wait, for the handler of the sampler's signal to write the wait's periods before
  // its stack (0: none). The sampler never writes them itself while a handler of the thread may be writing:
  // an idle record repeats the last stack in the ring, and the handler's stack would be the one repeated.
  uint64_t woke_at;
  // For the handler of the sampler's signal to a thread found asleep in a new wait: the earliest the wait can
  // have begun (its last stack, or the previous look plus the CPU it used since; 0: not a wait). The
  // periods before are not the wait's (a starved thread's records can be far apart): they stay with the
  // stack the handler takes, unmarked; only those after are the wait's, in an idle record after it.
  uint64_t wait_from;
  uint32_t wait_rest;  // the handler owes the wait's idle record (wall_sample_done)
  // CPU time its previous stack used before it blocked, for the handler to give that stack (a weightless
  // idle record written before its own stack, so that it repeats the right one); 0: none.
  uint64_t cpu_before;
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

using real::clock_ns;

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

void sleep_until(uint64_t deadline) {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(deadline / 1000000000u);
  ts.tv_nsec = static_cast<long>(deadline % 1000000000u);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

// /proc/<pid>/task/<tid>/{syscall,stat} of the threads looked at most often stay open: a pread of an open
// file costs about a microsecond, an open-read-close some 15 (the sampler reads them every cycle for a
// thread that ran). On descriptors far above the program's (as the run delay's); each is checked by
// fstat before a read (device and inode of the file opened), so a number the program closed and reused is
// noticed and left alone. A thread that exited reads nothing (ESRCH): its descriptor is closed.
constexpr int kCachedFiles = 32;
// Where their descriptors go (the floor of fd_room, set when the sampler starts; 0: not cached), and how many
// fit between the floor and the table's end with the run delay's and one more left free (a table of 64 has
// room for 6): more would grow the table (see fd_room).
int g_proc_fd_floor = 0;
int g_proc_fd_room = 0;
struct CachedFile {
  int tid;  // 0: free
  int fd;
  uint64_t dev, ino;
  char which;  // 'y' syscall, 't' stat
};
CachedFile g_files[kCachedFiles];

void forget_file(CachedFile& f, bool close) {
  if (close) sys::call(SYS_close, f.fd);
  f.tid = 0;
}

void close_cached_files(bool close) {
  for (CachedFile& f : g_files)
    if (f.tid != 0) forget_file(f, close);
}

bool same_file(int fd, uint64_t dev, uint64_t ino) {
  struct stat st;
  if (sys::call(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return false;
  return static_cast<uint64_t>(st.st_dev) == dev && static_cast<uint64_t>(st.st_ino) == ino;
}

// Reads the start of /proc/<pid>/task/<tid>/<file> into `buf`; bytes read, or -1. Raw syscalls, a stack
// buffer: the sampler thread never allocates.
long read_task_file(int tid, const char* file, char* buf, size_t size) {
  g_agent.ring.count(ring::kStateReads);
  const char which = file[1] == 's' && file[2] == 'y' ? 'y' : file[1] == 's' && file[2] == 't' ? 't' : 0;
  for (CachedFile& f : g_files) {
    if (f.tid != tid || f.which != which || which == 0) continue;
    if (!same_file(f.fd, f.dev, f.ino)) {
      forget_file(f, false);  // not ours any more: never touched again
      break;
    }
    long n = sys::call(SYS_pread64, f.fd, reinterpret_cast<long>(buf), static_cast<long>(size), 0);
    if (n > 0) return n;
    forget_file(f, true);  // the thread is gone (or the tid is another thread's now): open it anew
    break;
  }
  char path[64];
  size_t at = append(path, 0, sizeof path, "/proc/");
  at = append_number(path, at, sizeof path, static_cast<uint64_t>(g_agent.pid));
  at = append(path, at, sizeof path, "/task/");
  at = append_number(path, at, sizeof path, static_cast<uint64_t>(tid));
  append(path, at, sizeof path, file);
  long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long n = sys::call(SYS_read, fd, reinterpret_cast<long>(buf), static_cast<long>(size));
  CachedFile* slot = nullptr;
  int in_use = 0;
  for (CachedFile& f : g_files) {
    if (f.tid != 0) ++in_use;
    if (f.tid == 0 && which != 0 && n > 0) slot = &f;
  }
  if (in_use >= g_proc_fd_room) slot = nullptr;
  struct stat st;
  if (slot != nullptr && g_proc_fd_floor > 0 && sys::call(SYS_fstat, fd, reinterpret_cast<long>(&st)) == 0) {
    long high = sys::call(SYS_fcntl, fd, F_DUPFD_CLOEXEC, g_proc_fd_floor);
    if (high >= 0)
      *slot = {tid, static_cast<int>(high), static_cast<uint64_t>(st.st_dev),
               static_cast<uint64_t>(st.st_ino), which};
  }
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

// A timed wait that a stop (a freeze) or a signal interrupted goes on in restart_syscall, at the same place
// and with the same arguments: /syscall then names restart_syscall, not the call that waits. Taken for a
// new wait, it would cost the thread a signal after every freeze. Only against a wait: a thread last
// sampled running (nr -1) that blocks where it once waited has a new stack to take, not its running one
// to repeat.
bool same_wait(const BlockedIn& b, int32_t nr, uint64_t where) {
  return b.nr >= 0 && nr >= 0 && (b.nr == nr || b.nr == SYS_restart_syscall || nr == SYS_restart_syscall) &&
         b.where == where;
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
// load) while every thread of the program that opens a file waits too. Its size, and where the upper eighth
// begins; {0, 0} when it cannot be read.
struct FdRoom {
  int floor;
  int size;
};
FdRoom fd_room() {
  char buf[2048];
  long fd =
      sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/status"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {0, 0};
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
    if (size < 16 || size >= (1u << 30)) return {0, 0};
    return {static_cast<int>(size - size / 8), static_cast<int>(size)};
  }
  return {0, 0};
}

void open_run_delay() {
  long fd = sys::call(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/thread-self/schedstat"),
                      O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  const int floor = fd_room().floor;
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

// The periods of wall time since the thread's last record, taken for the record being written: whole
// periods, the rest left for the next one (so records of any spacing add up to the thread's wall time).
// A thread nothing was accounted for yet gets one period. Async-signal-safe (a CAS loop).
uint32_t take_periods(PerThread& pt, uint64_t now) {
  const uint64_t period = g_agent.period_ns;
  uint64_t old = __atomic_load_n(&pt.wall_ns, __ATOMIC_ACQUIRE);
  for (;;) {
    uint64_t next;
    uint32_t periods;
    if (old == 0) {
      next = now;
      periods = 1;
    } else {
      if (now + period / 2 < old + period) return 0;  // under half a period since: nothing yet
      uint64_t n = (now - old + period / 2) / period;
      if (n > static_cast<uint64_t>(kMostPeriods)) {
        periods = static_cast<uint32_t>(kMostPeriods);
        next = now;
      } else {
        periods = static_cast<uint32_t>(n);
        next = old + n * period;
      }
    }
    if (__atomic_compare_exchange_n(&pt.wall_ns, &old, next, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      return periods;
  }
}

// The CPU time the thread used since its last record's, given to the record being written; `bound` caps
// it when nothing was given before (a new thread's whole CPU time, or everything after a pause).
uint64_t give_cpu(PerThread& pt, uint64_t cpu, uint64_t bound) {
  const uint64_t old = __atomic_exchange_n(&pt.cpu_given, cpu, __ATOMIC_ACQ_REL);
  if (old == 0) return cpu < bound ? cpu : bound;
  return cpu > old ? cpu - old : 0;
}

// The process was frozen for `frozen` ns from `from` (Lambda between invocations, a stopped process): that
// time is nobody's. Moves the thread's accounting past it.
void skip_frozen(PerThread& pt, uint64_t from, uint64_t frozen) {
  uint64_t old = __atomic_load_n(&pt.wall_ns, __ATOMIC_ACQUIRE);
  for (;;) {
    if (old == 0 || old >= from + frozen) return;
    const uint64_t next = old < from ? old + frozen : from + frozen;
    if (__atomic_compare_exchange_n(&pt.wall_ns, &old, next, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      return;
  }
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

// The thread's last record was of a wait, and it woke at `woke_at` (estimated from the CPU it used since:
// later, when it then waited for a CPU, which is counted to the wait too). The periods until then are the
// wait's, written as an idle record (it repeats the wait's stack), not given to the next stack, which the
// sampler or the timer may take up to a cycle later. Only where no stack of the thread can be written
// meanwhile (by the thread itself, in a handler; or by the sampler for a thread back in the same wait):
// the idle record repeats whatever stack of the thread is last in the ring. Async-signal-safe.
void wait_until(PerThread& pt, int tid, uint64_t woke_at) {
  const uint64_t from = __atomic_load_n(&pt.wall_ns, __ATOMIC_ACQUIRE);
  if (from == 0 || woke_at <= from) return;
  if (uint32_t weight = take_periods(pt, woke_at); weight != 0) write_idle(tid, woke_at, weight, 0);
}

// A handler's stack is a wait's only when the thread has not run since the sampler found it blocked: a
// signal handled late (a function throttled to its CPU share can keep the thread from a CPU for a hundred ms)
// finds it running again, maybe in the next invocation's code; that stack must not be marked as waiting (its
// periods would be split into the window before, as a wait's are).
constexpr uint64_t kLeftWaitNs = 100000;
constexpr uint64_t kLeftCallNs = 1000000;

// A weightless idle record gives CPU time to the thread's previous stack: it carries that stack's time, not
// the cycle's, so it lands in the window the stack was taken in (the thread may be in the next invocation
// by now).
uint64_t weightless_time(const PerThread& pt, uint64_t cycle_start) {
  uint64_t t = __atomic_load_n(&pt.stack_ns, __ATOMIC_ACQUIRE);
  return t != 0 ? t : cycle_start;
}

// The thread has not handled our last signal yet: it waits for a CPU (the signal woke it if it slept), its
// stack is the one the handler will take, with the periods until then (time spent runnable is the running
// stack's, not a wait's). True; false when the signal is taken for lost.
bool still_signalled(PerThread& pt, int tid, uint64_t cycle_start) {
  uint64_t sent = __atomic_load_n(&pt.signalled_ns, __ATOMIC_ACQUIRE);
  if (sent == 0) return false;
  // Blocked in a system call with our signal pending: it masks the signal (or sleeps uninterruptibly).
  if (cycle_start - sent > kMaxUnhandledNs || blocked_in(tid).nr >= 0) {
    __atomic_store_n(&pt.signalled_ns, 0, __ATOMIC_RELEASE);
    return false;
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

// A dormant thread's periods, written later with the others (every kMaxDeferNs).
void defer(PerThread& pt, int tid, uint64_t cycle_start) {
  const uint32_t weight = take_periods(pt, cycle_start);
  if (weight == 0) return;
  // The span's records stand at the end of each period (the reader spreads them from first to last).
  if (pt.deferred == 0) pt.deferred_from = cycle_start - (weight - 1) * g_agent.period_ns;
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
  uint64_t max_cpu;  // bounds the CPU time of a thread nothing was given to yet
  bool tables;
  bool timers;  // running threads with a CPU timer are left to it
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
// wait), a signal for its stack, or nothing (it runs, and its CPU timer takes its stacks).
void visit(PerThread& pt, int tid, CycleState& cs, Accounting& acct) {
  const uint64_t cycle_start = cs.start;
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
  // Its CPU timer took a stack since we last looked: its last stack is a running one, not a wait's.
  const bool timer_took = __atomic_exchange_n(&pt.timer_stack, 0, __ATOMIC_ACQ_REL) != 0;
  if (timer_took) {
    if (!pt.sampled) g_agent.ring.count(ring::kThreadsSeen);
    pt.sampled = 1;
    pt.wait_syscall = -1;
    pt.early = 0;
  }
  // Seen for the first time without the thread-start hook (it existed before the agent, or its creator
  // bypassed pthread_create): its periods count from the previous cycle.
  if (__atomic_load_n(&pt.wall_ns, __ATOMIC_ACQUIRE) == 0) {
    uint64_t expected = 0;
    const uint64_t from =
        cs.max_cpu != 0 && cycle_start > cs.max_cpu ? cycle_start - cs.max_cpu : cycle_start;
    __atomic_compare_exchange_n(&pt.wall_ns, &expected, from, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  }
  account(acct, pt, cpu);
  // Scheduled since the last reading. Not "since the last sample": a thread that used a few microseconds
  // once keeps that on its clock (cpu_ns) until its next real sample, and would count as running, never go
  // dormant and have its /proc files read every cycle.
  const uint64_t grew = cpu >= pt.read_cpu ? cpu - pt.read_cpu : cpu;
  const bool moved = cpu != pt.read_cpu;
  pt.read_cpu = cpu;
  if (pt.dormant) {
    if (!moved) {
      defer(pt, tid, cycle_start);
      return;
    }
    // It ran: its deferred periods were its wait's (unless the tid is another thread's now).
    if (cpu > pt.cpu_ns) flush_deferred(pt, tid);
    pt.deferred = 0;
    pt.dormant = 0;
  }
  // When it woke, if its last record was a wait (see wait_until: written here only for a thread back in the
  // same wait; for one signalled, by the handler; for one running on its timer, by the timer's handler).
  const uint64_t woke_at = moved ? cycle_start - (grew < cycle_start ? grew : cycle_start) : 0;
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
      if (moved && __atomic_exchange_n(&pt.in_wait, 0, __ATOMIC_ACQ_REL)) wait_until(pt, tid, woke_at);
      if (uint32_t weight = take_periods(pt, cycle_start); weight != 0)
        write_idle(tid, cycle_start, weight, 0, flags);
      __atomic_store_n(&pt.in_wait, 1, __ATOMIC_RELEASE);
      // Long in this wait, not waiting for a CPU, its stack known: dormant from the next cycle.
      if (flags == 0 && !moved && cycle_start - pt.ran_ns >= kDormantAfterNs) pt.dormant = 1;
      return;
    }
    // Blocked in another call than at its last sample, with next to no CPU between (one wait after
    // another: a barrier, then a sleep): the stack we have is not where it waits now. In a system call
    // but runnable (preempted in it, or woken and not yet given a CPU): not asleep, not a wait.
    const bool asleep = b.nr >= 0 && !runnable(tid);
    __atomic_store_n(&pt.cpu_before, give_cpu(pt, cpu, cs.max_cpu), __ATOMIC_RELEASE);
    pt.cpu_ns = cpu;
    pt.wait_syscall = asleep ? b.nr : -1;
    pt.wait_where = b.where;
    pt.early = !tables;
    const bool left = __atomic_exchange_n(&pt.in_wait, asleep ? 1 : 0, __ATOMIC_ACQ_REL) != 0;
    __atomic_store_n(&pt.woke_at, moved && left ? woke_at : 0, __ATOMIC_RELEASE);
    // It has not run since its last stack: the wait began then.
    __atomic_store_n(&pt.wait_from, asleep ? weightless_time(pt, cycle_start) : 0, __ATOMIC_RELEASE);
    __atomic_store_n(&pt.pending, pack_pending(1, 0), __ATOMIC_RELEASE);
    queue_signal(cs, tid);
    return;
  }
  // It ran since its last sample. Running still, with a CPU timer of its own: that timer takes its stacks
  // (and the wall time since its last record), no signal from us. A thread that ran for most of the cycle is
  // taken to run still without reading /proc; had it blocked at the very end, the next cycle finds it so.
  // Unless the timer took no stack while the thread used a period of CPU or more since we last looked:
  // a thread kept from a CPU most of the time (a busy machine) runs in slices too short for the timer,
  // which fires on the scheduler's tick (4 ms at HZ=250). Its wall time then has no running stack to go
  // to, and would go to the wait it enters next: the sampler's signal takes its stack instead.
  const uint64_t gap = cs.max_cpu;
  const bool timer = cs.timers && cpu_timer_exists(tid) && (timer_took || grew < g_agent.period_ns);
  if (timer && gap != 0 && grew >= gap / 2) return;
  // Where it is blocked now, if it is: one /proc read per thread that ran (even a thread that ran
  // the whole interval as far as we can tell may have blocked at its end, on a busy machine).
  const BlockedIn b = blocked_in(tid);
  // In a system call but runnable (preempted in a futex wake, say): running, for the timer or the signal.
  const bool asleep = b.nr >= 0 && !runnable(tid);
  const int32_t nr = asleep ? b.nr : -1;
  if (timer && !asleep) return;
  if (!pt.sampled && !tables && asleep) {
    // Its first sample is the stack every later idle record repeats: taken once the unwind tables
    // exist (libc's sleeping calls have no frame pointers), until then "[not sampled yet]".
    if (uint32_t weight = take_periods(pt, cycle_start); weight != 0) write_idle(tid, cycle_start, weight, 0);
    __atomic_store_n(&pt.in_wait, 1, __ATOMIC_RELEASE);
    return;
  }
  if (!pt.sampled) g_agent.ring.count(ring::kThreadsSeen);
  uint64_t used = give_cpu(pt, cpu, cs.max_cpu);
  bool was_sampled = pt.sampled;
  pt.cpu_ns = cpu;
  pt.sampled = 1;
  // It ran, but for less than the whole interval: it may be blocked again. When it is blocked in the
  // same system call as at its last sample (a loop around nanosleep or poll), its stack is most
  // likely the one we have, and a signal would cut that sleep short (nanosleep and poll fail with
  // EINTR): an idle record with its CPU time instead. A thread blocked somewhere new is signalled,
  // so the stack of its wait is known.
  if (was_sampled && asleep && same_wait(b, pt.wait_syscall, pt.wait_where) && !(pt.early && tables)) {
    if (__atomic_exchange_n(&pt.in_wait, 0, __ATOMIC_ACQ_REL)) wait_until(pt, tid, woke_at);
    // Its periods may all have gone to the wait it woke from (wait_until): then only CPU time, which is
    // its previous stack's, at that stack's time.
    if (uint32_t weight = take_periods(pt, cycle_start); weight != 0)
      write_idle(tid, cycle_start, weight, used);
    else if (used != 0)
      write_idle(tid, weightless_time(pt, cycle_start), 0, used);
    __atomic_store_n(&pt.in_wait, 1, __ATOMIC_RELEASE);
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
    // never to the wait it had left. The handler writes it, before its own stack.
    __atomic_store_n(&pt.cpu_before, used, __ATOMIC_RELEASE);
    used = 0;
  } else {
    __atomic_store_n(&pt.cpu_before, 0, __ATOMIC_RELEASE);
  }
  pt.early = !tables;
  const bool left = __atomic_exchange_n(&pt.in_wait, nr >= 0 ? 1 : 0, __ATOMIC_ACQ_REL) != 0;
  __atomic_store_n(&pt.woke_at, moved && left ? woke_at : 0, __ATOMIC_RELEASE);
  // It ran since the previous look, `grew` of CPU: the wait began after that much of the interval at least,
  // and after its last stack.
  uint64_t from = 0;
  if (asleep) {
    const uint64_t looked = cs.max_cpu != 0 && cycle_start > cs.max_cpu ? cycle_start - cs.max_cpu : 0;
    from = looked != 0 ? looked + (grew < cs.max_cpu ? grew : cs.max_cpu) : cycle_start;
    const uint64_t last = __atomic_load_n(&pt.stack_ns, __ATOMIC_ACQUIRE);
    if (last > from && last <= cycle_start) from = last;
  }
  __atomic_store_n(&pt.wait_from, from, __ATOMIC_RELEASE);
  __atomic_store_n(&pt.pending, pack_pending(1, used), __ATOMIC_RELEASE);
  queue_signal(cs, tid);
}

void* sampler_main(void*) {
  g_agent.agent_tids[1] = sys::gettid();
  sys::prctl(15 /* PR_SET_NAME */, reinterpret_cast<unsigned long>("lambdascope-wal"));
  auto* cycle = static_cast<Cycle*>(map_anonymous(page_round(sizeof(Cycle))));
  if (cycle == nullptr) return nullptr;
  // With CPU timers the sampler only looks for waits (and for threads without a timer): every
  // wall_cycle_ms, not every period. Each wake costs some 40 us on Firecracker.
  const bool timers = g_agent.config.wall_timers;
  uint64_t period = g_agent.period_ns;
  if (timers && uint64_t{g_agent.config.wall_cycle_ms} * 1000000u > period)
    period = uint64_t{g_agent.config.wall_cycle_ms} * 1000000u;
  const uint32_t per_tick = g_agent.config.wall_threads_per_tick;
  uint64_t next = clock_ns(CLOCK_MONOTONIC);
  uint64_t previous_cycle = 0;  // start of the last running cycle; 0 after a start or a pause
  uint64_t listed_ns = 0;       // when `cycle` last listed the threads
  Accounting acct;
  auto* state = static_cast<CycleState*>(map_anonymous(page_round(sizeof(CycleState))));
  if (state == nullptr) {
    sys::munmap(cycle, page_round(sizeof(Cycle)));
    return nullptr;
  }
  open_run_delay();
  const FdRoom room = fd_room();
  g_proc_fd_floor = room.floor;
  g_proc_fd_room = room.size - room.floor - 2 < kCachedFiles ? room.size - room.floor - 2 : kCachedFiles;
  uint64_t last_run_delay = read_run_delay();
  CycleState& cs = *state;
  cs.relist = true;
  cs.per_tick = per_tick;
  cs.timers = timers;
  int* dormant = cycle->dormant;
  while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
    uint64_t cycle_start = clock_ns(CLOCK_MONOTONIC);
    const uint64_t late = cycle_start > next ? cycle_start - next : 0;
    const uint64_t waited = run_delay_since(last_run_delay);  // of that lateness, time waiting for a CPU
    const uint64_t expected = next;
    if (cycle_start > next + period) next = cycle_start;  // frozen or starved: do not catch up
    if (agent_state() != ring::State::kRunning) {
      if (previous_cycle != 0) flush_all_deferred(*cycle);  // paused: what was deferred is written now
      previous_cycle = 0;
      acct.valid = false;
    }
    if (agent_state() == ring::State::kRunning) {
      // Every record weighs the periods since its thread's previous one (take_periods): late cycles weigh
      // more, so a busy moment (when the sampler is starved) is not under-represented against an idle one.
      // Lateness the sampler did not spend waiting for a CPU is a freeze (Lambda between invocations, or a
      // stopped process), whose time is not the function's: more than kFreezeGapNs of it and every thread's
      // accounting skips it. Lateness spent waiting for a CPU is the function's time: a function throttled
      // to its CPU share (128 MB gets 7% of a CPU, in bursts every 100 ms) leaves the sampler runnable but
      // without a CPU for most of each period, and those periods count.
      const uint64_t frozen = late > waited ? late - waited : 0;
      const bool restart = previous_cycle == 0;
      const uint64_t gap = !restart ? cycle_start - previous_cycle : 0;
      cs.start = cycle_start;
      // A thread cannot have used more CPU than the wall time since the previous cycle: that bounds the
      // first CPU time given for a new thread (its whole CPU time so far), so time before sampling began
      // is never charged to a sample.
      cs.max_cpu = gap;
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
      for (int i = 0; i < cycle->count; ++i) {
        int tid = cycle->tids[i];
        if (tid > g_pid_max) continue;
        PerThread& pt = g_threads[tid];
        if (restart) {
          // Sampling (re)starts: periods count from now, CPU time from the next reading (bounded).
          __atomic_store_n(&pt.wall_ns, cycle_start, __ATOMIC_RELEASE);
          __atomic_store_n(&pt.cpu_given, 0, __ATOMIC_RELEASE);
        } else if (frozen > kFreezeGapNs) {
          skip_frozen(pt, expected, frozen);
        }
      }
      int num_dormant = 0;
      for (int i = 0; i < cycle->count; ++i) {
        int tid = cycle->tids[i];
        if (tid > g_pid_max) continue;
        PerThread& pt = g_threads[tid];
        if (still_signalled(pt, tid, cycle_start)) continue;
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
            defer(pt, dormant[i], cycle_start);
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
      // Every wait up to this cycle is in the ring now (cycles this long write deferred periods every cycle;
      // shorter ones may hold them back up to kMaxDeferNs): the Lambda extension waits for this before it
      // cuts a window that ends here.
      const uint64_t held = period >= 2 * kMaxDeferNs ? 0 : kMaxDeferNs;
      if (ring::Header* h = g_agent.ring.header())
        __atomic_store_n(&h->waits_through_ns, cycle_start > held ? cycle_start - held : 0, __ATOMIC_RELEASE);
    }
    next += period;
    sleep_until(next);
  }
  flush_all_deferred(*cycle);
  close_run_delay();
  close_cached_files(true);
  sys::munmap(state, page_round(sizeof(CycleState)));
  sys::munmap(cycle, page_round(sizeof(Cycle)));
  return nullptr;
}

}  // namespace

namespace {

// The calling thread's CPU time (a raw system call: async-signal-safe); 0 when it cannot be read.
uint64_t own_cpu_ns() {
  struct timespec ts;
  if (sys::call(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, reinterpret_cast<long>(&ts)) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// After a handler: the thread's CPU time now, the handler's cost included, is where its next record's CPU
// time starts (the handler is not the thread running) and what the sampler compares with.
void handler_done(PerThread& pt, uint64_t stack_ns, uint64_t given) {
  if (stack_ns != 0) __atomic_store_n(&pt.stack_ns, stack_ns, __ATOMIC_RELEASE);
  if (uint64_t cpu = own_cpu_ns(); cpu != 0) {
    __atomic_store_n(&pt.handled_cpu, cpu, __ATOMIC_RELEASE);
    // Unless the sampler gave this thread's CPU time to a record meanwhile.
    if (given != 0)
      __atomic_compare_exchange_n(&pt.cpu_given, &given, cpu, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
  }
}

}  // namespace

WallSample wall_sample_take(int tid, uint64_t now, int32_t interrupted_call) {
  PerThread* threads = g_threads;
  if (threads == nullptr || tid <= 0 || tid > g_pid_max) return {1, 0, false};
  PerThread& pt = threads[tid];
  uint64_t v = __atomic_exchange_n(&pt.pending, 0, __ATOMIC_ACQ_REL);
  // The wait it woke from before the sampler looked: its periods first, in this thread, before this stack.
  if (const uint64_t woke_at = __atomic_exchange_n(&pt.woke_at, 0, __ATOMIC_ACQ_REL); woke_at != 0)
    wait_until(pt, tid, woke_at);
  // The CPU its previous stack used: that stack is still the thread's last in the ring.
  if (const uint64_t before = __atomic_exchange_n(&pt.cpu_before, 0, __ATOMIC_ACQ_REL); before != 0)
    write_idle(tid, weightless_time(pt, now), 0, before);
  const uint64_t wait_from = __atomic_exchange_n(&pt.wait_from, 0, __ATOMIC_ACQ_REL);
  // Written before `pending` was stored (release), read after taking it (acquire).
  const int32_t wait_call = __atomic_load_n(&pt.wait_syscall, __ATOMIC_RELAXED);
  bool waiting = wait_call >= 0;
  // Waking to take the signal costs the thread CPU too: on a small virtual machine more than kLeftWaitNs
  // in about one wait in ten, which then lost its mark. Interrupted in the call the sampler found it
  // blocked in, it is still that wait, whatever it cost; in a timed wait that fails with EINTR (the call
  // is not known), it is taken to be when it used less than kLeftCallNs.
  const bool in_that_call =
      interrupted_call >= 0 && (interrupted_call == wait_call || interrupted_call == SYS_restart_syscall);
  if (waiting && !in_that_call) {
    const uint64_t left_after = interrupted_call == kSomeCall ? kLeftCallNs : kLeftWaitNs;
    const uint64_t cpu = own_cpu_ns(), seen = __atomic_load_n(&pt.cpu_ns, __ATOMIC_RELAXED);
    if (cpu != 0 && cpu > seen + left_after) {
      waiting = false;  // it ran since the sampler saw it blocked: this stack is not that wait's
      __atomic_store_n(&pt.in_wait, 0, __ATOMIC_RELEASE);
    }
  }
  const uint64_t cpu_ns = v & ((uint64_t{1} << kCpuBits) - 1);
  if (waiting && wait_from != 0 && wait_from < now) {
    // The periods before the wait began stay with this stack, not marked as a wait; the rest go to an
    // idle record after it (wall_sample_done), which is.
    __atomic_store_n(&pt.wait_rest, 1, __ATOMIC_RELEASE);
    return {take_periods(pt, wait_from), cpu_ns, false, true};
  }
  return {take_periods(pt, now), cpu_ns, waiting};
}

void wall_sample_done(int tid, uint64_t stack_ns) {
  PerThread* threads = g_threads;
  if (threads == nullptr || tid <= 0 || tid > g_pid_max) return;
  // The wait's periods, repeating the stack just written (its record is in the ring before this one).
  if (__atomic_exchange_n(&threads[tid].wait_rest, 0, __ATOMIC_ACQ_REL) != 0 && stack_ns != 0)
    if (uint32_t weight = take_periods(threads[tid], stack_ns); weight != 0)
      write_idle(tid, stack_ns, weight, 0);
  handler_done(threads[tid], stack_ns, __atomic_load_n(&threads[tid].cpu_given, __ATOMIC_ACQUIRE));
  __atomic_store_n(&threads[tid].signalled_ns, 0, __ATOMIC_RELEASE);
}

WallSample wall_timer_take(int tid, uint64_t now, uint64_t* given) {
  *given = 0;
  PerThread* threads = g_threads;
  if (threads == nullptr || tid <= 0 || tid > g_pid_max) return {1, g_agent.period_ns, false};
  PerThread& pt = threads[tid];
  const uint64_t cpu = own_cpu_ns();
  // Woken from a wait since its last record: the periods until it woke are the wait's.
  const bool was_waiting = __atomic_exchange_n(&pt.in_wait, 0, __ATOMIC_ACQ_REL) != 0;
  if (const uint64_t given_before = __atomic_load_n(&pt.cpu_given, __ATOMIC_ACQUIRE);
      was_waiting && cpu != 0 && given_before != 0 && cpu > given_before && cpu - given_before < now)
    wait_until(pt, tid, now - (cpu - given_before));
  const uint32_t weight = take_periods(pt, now);
  if (cpu == 0) return {weight, 0, false};
  *given = cpu;
  // Bounded for a thread nothing was given to yet: at most the wall time it stands for.
  return {weight, give_cpu(pt, cpu, (weight != 0 ? weight : 1u) * g_agent.period_ns), false};
}

void wall_timer_done(int tid, uint64_t stack_ns, uint64_t given) {
  PerThread* threads = g_threads;
  if (threads == nullptr || tid <= 0 || tid > g_pid_max) return;
  PerThread& pt = threads[tid];
  handler_done(pt, stack_ns, given);
  if (stack_ns != 0) __atomic_store_n(&pt.timer_stack, 1, __ATOMIC_RELEASE);
}

void wall_thread_started(int tid, uint64_t now) {
  PerThread* threads = g_threads;
  if (threads == nullptr || tid <= 0 || tid > g_pid_max) return;
  // A new thread (its tid may be a dead one's): its periods count from its start.
  __atomic_store_n(&threads[tid].wall_ns, now, __ATOMIC_RELEASE);
  __atomic_store_n(&threads[tid].cpu_given, 0, __ATOMIC_RELEASE);
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
  close_cached_files(true);
  g_running = false;
  g_agent.agent_tids[1] = 0;
  if (g_threads != nullptr)
    for (int tid = 1; tid <= g_pid_max; ++tid)
      if (g_threads[tid].sampled || g_threads[tid].signalled_ns != 0) g_threads[tid] = PerThread{};
}

}  // namespace lambdascope::agent
