// Wall mode: one sampler thread that, once per period, visits every thread of the process. A thread whose
// CPU clock moved since its last sample is signalled with tgkill (at most `threads_per_tick` per tick, the
// ticks spread over the period, so thousands of threads do not get a burst of signals); a thread that did
// not run gets an idle record instead, which the reader turns into its last stack, without interrupting it
// (no EINTR for sleeping threads, no cost for idle ones). Each signal carries the CPU time the thread used
// since its previous sample, read from the same clocks (wall_sample_take). After a pause longer than a
// period (a frozen Lambda environment) the schedule restarts from now instead of catching up.
#pragma once

#include <cstdint>

namespace lambdascope::agent {

bool wall_sampler_start(int pid_max);  // starts the thread (normal context)
void wall_sampler_stop();              // asks it to exit and joins it
void wall_sampler_after_fork();        // in a forked child: the thread is gone; restart with start()
// What the sampler measured for thread `tid` before sending the signal being handled: the periods the sample
// stands for (1, more when the sampler ran late) and the CPU time the thread used since its previous sample.
// Takes it (a second call returns {1, 0}). Async-signal-safe: one atomic exchange on memory mapped at start.
struct WallSample {
  uint32_t weight;
  uint64_t cpu_ns;
  bool waiting;  // the sampler found the thread blocked: this stack will stand for every period of its wait
};
WallSample wall_sample_take(int tid);
// The handler of the sampler's signal is done with thread `tid`: its stack, taken at `stack_ns`
// (CLOCK_MONOTONIC; 0: none was recorded), is in the ring. Until then the sampler writes no idle record for
// the thread (it would repeat an older stack) and adds the periods it waits for a CPU to the pending sample.
// Async-signal-safe: atomic stores.
void wall_sample_done(int tid, uint64_t stack_ns);

}  // namespace lambdascope::agent
