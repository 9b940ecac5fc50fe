// The profiling signal's handler: unwinds the interrupted thread and appends one sample record to the ring.
// Async-signal-safe: errno saved, no libc call except the C library's own clock_gettime (vDSO; looked up in
// libc, past any interposer: real::clock_ns), no allocation, no lock; stacks
// are built in a preallocated scratch buffer, not on the (possibly small, alternate) signal stack. Every
// sample it cannot take is counted in the ring header instead.
#pragma once

#include <signal.h>

namespace lambdascope::agent {

// Preallocates the scratch buffers; normal context, before the handler is installed.
bool sample_handler_init();
void sample_handler(int sig, siginfo_t* info, void* ucontext);

}  // namespace lambdascope::agent
