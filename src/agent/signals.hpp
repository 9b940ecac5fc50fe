// Choosing and owning the profiling signal. SIGPROF unless the program already handles it, else the first
// free one of SIGVTALRM, SIGPWR, SIGSTKFLT and the real-time signals from SIGRTMAX down (SIGRTMIN and the
// next two are left alone: .NET uses SIGRTMIN, glibc reserves 32 and 33 below it). Standard signals come
// first because they do not queue up, unlike real-time ones.
//
// The program may take the signal back later (its own setitimer, V8's profiler): the sigaction hook and a
// periodic check notice, and the agent moves to another free signal or stops, saying so.
#pragma once

#include <signal.h>

namespace lambdascope::agent {

// A free signal other than `exclude`, or 0 when there is none.
int choose_signal(int exclude);
// True when `sig` has no handler (SIG_DFL or SIG_IGN) or ours.
bool signal_is_free(int sig);
bool install_sample_handler(int sig);
bool sample_handler_owns(int sig);
bool is_sample_handler(const struct sigaction& act);

}  // namespace lambdascope::agent
