#include "agent/sample_handler.hpp"

#include <errno.h>
#include <sys/prctl.h>
#include <time.h>
#include <ucontext.h>

#include "agent/agent_state.hpp"
#include "agent/code_bytes.hpp"
#include "agent/code_cache.hpp"
#include "agent/jvm_frames.hpp"
#include "agent/libc_real.hpp"
#include "agent/mmap_buffer.hpp"
#include "agent/safe_access.hpp"
#include "agent/stack_walker.hpp"
#include "agent/syscalls.hpp"
#include "agent/wall_sampler.hpp"

namespace lambdascope::agent {

namespace {

// Scratch buffers for stacks, claimed with a CAS. A handler that finds its probes taken drops the sample:
// 64 buffers make that practically impossible (it needs 64 threads inside the handler at once).
constexpr uint32_t kScratchSlots = 64;
constexpr uint32_t kScratchProbes = 8;
struct Scratch {
  uint32_t busy;
  uint32_t pad;
  uint64_t pcs[kMaxDepthLimit];
  uint64_t java[2 * kMaxDepthLimit];  // Java frames (jvm_frames.hpp)
};
Scratch* g_scratch = nullptr;

// Names change (pthread_setname_np, prctl), most often just after a thread starts: its first samples
// re-read the name, later ones when the last reading is this old (a prctl per sample would double the
// handler's syscalls at high rates), and so does every wall sample of a blocked thread: that stack, with
// its name, stands for every period of the wait (the thread is not signalled again while it waits).
constexpr uint32_t kNameFirstSamples = 4;
constexpr uint64_t kNameRefreshNs = 20000000;

// The system call the signal interrupted (wall_sample_take's `interrupted_call`). Restarted after the
// handler (SA_RESTART), the kernel has set the pc back to the `syscall` instruction and rax to the call's
// number or to restart_syscall's; a timed wait (futex, nanosleep) instead returns EINTR (the program retries
// or sees it), with the pc after the instruction and no number left in the context.
int32_t interrupted_call(const WalkInput& in) {
#if defined(__x86_64__)
  if (!in.have_regs) return kNoCall;
  const auto rax = static_cast<int64_t>(in.regs[0]);
  CodeBytes code(in.guarded);
  uint8_t b[4];
  for (int i = 0; i < 4; ++i)
    if (!code.byte(in.pc - 2 + static_cast<uintptr_t>(i), &b[i])) return kNoCall;
  if (b[2] == 0x0f && b[3] == 0x05 && rax >= 0 && rax < 100000) return static_cast<int32_t>(rax);
  if (b[0] == 0x0f && b[1] == 0x05 && rax == -EINTR) return kSomeCall;
  return kNoCall;
#else
  (void)in;
  return kNoCall;
#endif
}

bool signal_in_mask(const sigset_t& set, int sig) {
  const auto* words = reinterpret_cast<const unsigned long*>(&set);
  unsigned bit = static_cast<unsigned>(sig - 1);
  return (words[bit / (8 * sizeof(unsigned long))] >> (bit % (8 * sizeof(unsigned long)))) & 1;
}

void maybe_write_thread_name(ThreadState& t, int tid, uint64_t time, bool waiting) {
  if (t.samples++ >= kNameFirstSamples && !waiting && time - t.name_read_ns < kNameRefreshNs) return;
  t.name_read_ns = time;
  char name[16];
  for (char& c : name) c = 0;
  if (sys::prctl(PR_GET_NAME, reinterpret_cast<unsigned long>(name)) != 0) return;
  bool same = true;
  for (int i = 0; i < 16; ++i) same &= name[i] == t.name[i];
  if (same) return;
  RingWriter& ring = g_agent.ring;
  uint8_t* p = ring.reserve(sizeof(ring::ThreadNameRecord));
  if (p == nullptr) {
    ring.count(ring::kDroppedFull);
    return;  // t.name unchanged: retried at the next refresh
  }
  auto* rec = reinterpret_cast<ring::ThreadNameRecord*>(p);
  rec->time_ns = time;
  rec->tid = tid;
  for (int i = 0; i < 16; ++i) rec->name[i] = t.name[i] = name[i];
  for (int i = 16; i < 20; ++i) rec->name[i] = 0;
  RingWriter::publish(p, ring::RecordType::kThreadName, sizeof(ring::ThreadNameRecord), 0);
}

void take_sample(siginfo_t* info, void* ucv, ThreadState& t) {
  AgentState& a = g_agent;
  RingWriter& ring = a.ring;
  bool from_timer = info->si_code == SI_TIMER;
  bool from_sampler = info->si_code == SI_TKILL && info->si_pid == a.pid;
  if (!from_timer && !from_sampler) {
    ring.count(ring::kForeignSignals);
    return;
  }
  if (agent_state() != ring::State::kRunning) {
    ring.count(ring::kDroppedPaused);
    if (from_sampler) wall_sample_done(current_tid(), 0);
    return;
  }
  uint64_t t0 = real::monotonic_ns();
  int tid = current_tid();
  uint32_t slot_index = static_cast<uint32_t>(tid) * 2654435761u % kScratchSlots;
  Scratch* scratch = nullptr;
  for (uint32_t i = 0; i < kScratchProbes; ++i) {
    Scratch* s = &g_scratch[(slot_index + i) % kScratchSlots];
    uint32_t expected = 0;
    if (__atomic_compare_exchange_n(&s->busy, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
      scratch = s;
      break;
    }
  }
  if (scratch == nullptr) {
    ring.count(ring::kDroppedBusy);
    if (from_sampler) wall_sample_done(tid, 0);
    return;
  }

  const auto* uc = static_cast<const ucontext_t*>(ucv);
  WalkInput in;
#if defined(__x86_64__)
  in.pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  in.sp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
  in.fp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]);
  static constexpr int kGregOf[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                      REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  for (int r = 0; r < 16; ++r) in.regs[r] = static_cast<uint64_t>(uc->uc_mcontext.gregs[kGregOf[r]]);
  in.have_regs = true;
#elif defined(__aarch64__)
  in.pc = uc->uc_mcontext.pc;
  in.sp = uc->uc_mcontext.sp;
  in.fp = uc->uc_mcontext.regs[29];
#endif
  in.stack_lo = t.stack_lo;
  in.stack_hi = t.stack_hi;
  in.guarded = fault_guard_active() && !signal_in_mask(uc->uc_sigmask, SIGSEGV) &&
               !signal_in_mask(uc->uc_sigmask, SIGBUS);

  code_cache_enter();
  WalkStats ws;
  uint32_t depth = walk_stack(code_cache_current(), in, scratch->pcs, a.config.max_depth, &ws);
  uint32_t java =
      jvm_walk(code_cache_current(), ucv, scratch->pcs, &depth, scratch->java, a.config.max_depth, &ws.flags);
  code_cache_leave();

  // Wall mode: every sample weighs wall periods, from the sampler's signal or the thread's CPU timer.
  const bool wall_mode = a.config.mode == ring::Mode::kWall;
  const bool wall_timer = from_timer && wall_mode;
  uint64_t given = 0;
  WallSample wall = from_sampler ? wall_sample_take(tid, t0, interrupted_call(in))
                    : wall_timer ? wall_timer_take(tid, t0, &given)
                                 : WallSample{1, 0, false};
  uint32_t weight = from_timer && !wall_mode ? 1u + static_cast<uint32_t>(info->si_overrun) : wall.weight;
  uint32_t size = static_cast<uint32_t>(sizeof(ring::SampleRecord) + (depth + 2 * java) * sizeof(uint64_t));
  uint8_t* p = ring.reserve(size);
  if (p == nullptr) {
    ring.count(ring::kDroppedFull);
    if (from_sampler) wall_sample_done(tid, 0);
    if (wall_timer) wall_timer_done(tid, 0, given);
  } else {
    auto* rec = reinterpret_cast<ring::SampleRecord*>(p);
    rec->time_ns = t0;
    rec->tid = tid;
    rec->weight = weight;
    rec->depth = depth;
    rec->reserved = java;
    rec->cpu_ns = wall.cpu_ns;
    auto* out = reinterpret_cast<uint64_t*>(p + sizeof(ring::SampleRecord));
    for (uint32_t i = 0; i < depth; ++i) out[i] = scratch->pcs[i];  // no memcpy in the handler
    for (uint32_t i = 0; i < 2 * java; ++i) out[depth + i] = scratch->java[i];
    uint16_t flags = ws.flags | (wall_mode ? ring::kSampleWall : 0) |
                     (wall.waiting ? ring::kSampleBlocked : 0) | (java ? ring::kSampleJava : 0);
    RingWriter::publish(p, ring::RecordType::kSample, size, flags);
    // After publishing: the sampler's idle records for this thread follow this stack in ring order.
    if (from_sampler) wall_sample_done(tid, t0);
    if (wall_timer) wall_timer_done(tid, t0, given);
    ring.count(ring::kSamples);
    ring.count(ring::kWeight, weight);
    if (ws.flags & ring::kSampleTruncated)
      ring.count(ring::kTruncated);
    else if (!(ws.flags & ring::kSampleComplete))
      ring.count(ring::kUnwindStopped);
  }
  __atomic_store_n(&scratch->busy, 0, __ATOMIC_RELEASE);
  if (ws.faults != 0) ring.count(ring::kFaultedReads, ws.faults);
  // A wait's stack stands for all its periods: named by the name the thread has now.
  maybe_write_thread_name(t, tid, t0, wall.waiting || wall.wait_follows);
  ring.count(ring::kHandlerNs, real::monotonic_ns() - t0);
}

}  // namespace

bool sample_handler_init() {
  if (g_scratch != nullptr) return true;
  g_scratch = static_cast<Scratch*>(map_anonymous(page_round(sizeof(Scratch) * kScratchSlots)));
  return g_scratch != nullptr;
}

void sample_handler(int, siginfo_t* info, void* ucontext) {
  int saved_errno = errno;
  ThreadState& t = t_thread;
  if (t.in_handler) {
    g_agent.ring.count(ring::kDroppedBusy);
  } else {
    t.in_handler = 1;
    take_sample(info, ucontext, t);
    t.in_handler = 0;
  }
  errno = saved_errno;
}

}  // namespace lambdascope::agent
