// Wall mode: every thread's wall time, in periods, split between the records of its stacks.
// - A running thread is sampled by its own CPU timer (cpu_timers.hpp, as in CPU mode): the signal reaches it
//   in its own context when it has used a period of CPU, with no other thread woken. Each such sample weighs
//   the periods since the thread's previous record (time spent waiting for a CPU included: that is billed
//   time, and the stack it ran is where it was).
// - One sampler thread looks at every thread every wall_cycle_ms (LAMBDASCOPE_WALL_TIMERS=0: every period,
//   signalling the running ones itself, without timers). A thread whose CPU clock did not move is in a wait:
//   it gets an idle record, which the reader turns into its last stack, without interrupting it (no EINTR
//   for sleeping threads, no cost for idle ones); a thread that ran and is blocked somewhere new is
//   signalled once with tgkill (at most `threads_per_tick` per tick, the ticks spread over the cycle) so
//   that the stack of its wait is known.
// Each sample also carries the CPU time the thread used since its previous record. After a freeze (a frozen
// Lambda environment, a stopped process) the frozen time is nobody's.
#pragma once

#include <cstdint>

namespace lambdascope::agent {

bool wall_sampler_start(int pid_max);  // starts the thread (normal context)
void wall_sampler_stop();              // asks it to exit and joins it
void wall_sampler_after_fork();        // in a forked child: the thread is gone; restart with start()
struct WallSample {
  uint32_t weight;  // periods of wall time since the thread's previous record (0: under half a period)
  uint64_t cpu_ns;  // CPU time since then
  bool waiting;  // the sampler found the thread blocked: this stack will stand for every period of its wait
  // The periods of the wait the sampler found follow this stack in an idle record (wall_sample_done); this
  // one stands for those before the wait began.
  bool wait_follows = false;
};
// For the handler of the sampler's signal to thread `tid`, its stack taken at `now` (CLOCK_MONOTONIC): the
// periods it stands for and the CPU time the sampler measured before sending it. Async-signal-safe: atomic
// operations on memory mapped at start.
// `interrupted_call`: the system call the signal interrupted, which the thread restarts after the handler
// (its number, or restart_syscall's); kSomeCall: one that fails with EINTR (a timed wait), which is not
// known; kNoCall: none (it ran its own code), or that cannot be read.
inline constexpr int32_t kNoCall = -1;
inline constexpr int32_t kSomeCall = -2;
WallSample wall_sample_take(int tid, uint64_t now, int32_t interrupted_call);
// The handler of the sampler's signal is done with thread `tid`: its stack, taken at `stack_ns`
// (CLOCK_MONOTONIC; 0: none was recorded), is in the ring. Until then the sampler writes no idle record for
// the thread (it would repeat an older stack) and adds the periods it waits for a CPU to the pending sample.
// Async-signal-safe: atomic stores.
void wall_sample_done(int tid, uint64_t stack_ns);
// The same for a sample from the thread's own CPU timer; `given` is passed from take to done.
WallSample wall_timer_take(int tid, uint64_t now, uint64_t* given);
void wall_timer_done(int tid, uint64_t stack_ns, uint64_t given);
// The thread-start hook: thread `tid`'s periods count from `now`.
void wall_thread_started(int tid, uint64_t now);

}  // namespace lambdascope::agent
