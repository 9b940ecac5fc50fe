// The agent's process-wide state and per-thread state. Signal handlers need global access, so this is a
// singleton, as in every in-process profiler; it is written in normal context (start, stop, fork, hooks)
// and read by the handler.
#pragma once

#include <cstdint>

#include "agent/config.hpp"
#include "agent/ring_writer.hpp"

namespace lambdascope::agent {

struct AgentState {
  Config config;
  RingWriter ring;
  bool active = false;  // the agent runs in this process (hooks pass straight through otherwise)
  int pid = 0;
  int signal = 0;
  uint64_t period_ns = 0;
  uint32_t state = static_cast<uint32_t>(ring::State::kStarting);  // ring::State, atomic
  int agent_tids[2] = {0, 0};                                      // our own threads, never sampled
  char ring_path[320] = {};
  int ring_fd = -1;           // kept open to extend the ring's allocation
  bool tables_built = false;  // .eh_frame tables (built by the control thread, see agent.cpp)
};

extern AgentState g_agent;

inline ring::State agent_state() {
  return static_cast<ring::State>(__atomic_load_n(&g_agent.state, __ATOMIC_ACQUIRE));
}
void set_agent_state(ring::State s);  // also mirrors it into the ring header

// Per-thread state. initial-exec TLS: the preloaded library's TLS is in the static block, so the handler
// never reaches __tls_get_addr (which may allocate).
struct ThreadState {
  int pid;  // the process `tid` belongs to (a forked child inherits its parent's copy)
  int tid;
  int in_handler;
  uint32_t samples;
  uint64_t name_read_ns;  // when `name` was last compared with the thread's own
  uintptr_t stack_lo;     // 0 when unknown
  uintptr_t stack_hi;
  char name[16];
};

extern __thread ThreadState t_thread __attribute__((tls_model("initial-exec")));

// The calling thread's tid, cached (signal-safe).
int current_tid();
bool is_agent_thread(int tid);
// Records the calling thread's stack bounds (normal context: pthread_getattr_np).
void remember_stack_bounds();

}  // namespace lambdascope::agent
