// CPU mode: one POSIX timer per thread on that thread's CPU clock, delivering our signal to that thread
// (SIGEV_THREAD_ID). Timers live in a tid-indexed table updated by CAS, so the thread-start hook and the
// /proc/self/task scan can race safely; the loser deletes its duplicate. CPU-clock timers advance only while
// the thread runs, so idle threads cost nothing.
//
// Timers belong to the process, not the thread: they are deleted when a thread exits (thread hook) or when
// the scan no longer finds it, or thousands of short-lived threads would leak thousands of timers.
#pragma once

#include <cstdint>

namespace lambdascope::agent {

bool cpu_timers_init(int pid_max);
// Creates (armed if `armed`) the timer of `tid` unless it has one. `replace`: the caller knows `tid` is a
// new thread (the thread-start hook), so an existing entry is a stale one of a dead thread with a reused tid.
bool cpu_timer_create(int tid, bool armed, bool replace);
void cpu_timer_delete(int tid);
// Arms or disarms every timer (pause and resume).
void cpu_timers_arm_all(bool armed);
void cpu_timers_delete_all();
// Deletes the timers of threads that are gone; `alive` tells whether a tid is still in /proc/self/task.
void cpu_timers_sweep(bool (*alive)(int tid, void* ctx), void* ctx);
uint32_t cpu_timers_active();
bool cpu_timer_exists(int tid);
// In a forked child: the kernel did not copy the parent's timers; forget them.
void cpu_timers_after_fork();

}  // namespace lambdascope::agent
