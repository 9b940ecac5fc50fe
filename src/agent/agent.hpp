// The agent's lifecycle: start at load (a constructor of the preloaded library), pause/resume/stop on
// request (environment, the C API in lambdascope_agent.h, or another process through the ring header), a
// new ring for each forked child, and the callbacks of the interposed functions (hooks.cpp).
#pragma once

#include "agent/ring_format.hpp"

namespace lambdascope::agent {

// Applies a control command; returns 0, or -1 when the agent is not running in this process.
int apply_command(ring::Command command);

// From the hooks (normal context).
void on_thread_start();  // in a new thread, before its start routine
void on_thread_exit();   // in that thread, after its start routine (or pthread_exit, cancellation)
void on_libraries_changed();
void on_signal_claimed(int sig);   // the program installs its own handler for our signal
void on_fault_handler_replaced();  // ... or for SIGSEGV/SIGBUS

}  // namespace lambdascope::agent
