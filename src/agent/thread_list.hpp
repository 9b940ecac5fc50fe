// Lists the threads of this process from /proc/self/task with getdents64 into a fixed buffer (no
// opendir/malloc), so the wall sampler can rescan every cycle cheaply. Normal context.
#pragma once

namespace lambdascope::agent {

// Calls visit(tid, ctx) for each thread; returns the number of threads, or -1 when /proc is unavailable.
int for_each_thread(void (*visit)(int tid, void* ctx), void* ctx);

// The largest tid the kernel hands out (/proc/sys/kernel/pid_max), for tid-indexed tables.
int read_pid_max();

}  // namespace lambdascope::agent
