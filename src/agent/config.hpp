// The agent's settings, read once from the environment at load (LAMBDASCOPE_*). Every variable is
// documented in docs/agent.md; `record` sets them from its flags.
#pragma once

#include <cstdint>

#include "agent/ring_format.hpp"

namespace lambdascope::agent {

inline constexpr uint32_t kMaxDepthLimit = 512;  // the handler keeps the stack on its own stack: 4 KiB

struct Config {
  bool enabled = true;                 // LAMBDASCOPE_MODE=off disables the agent
  ring::Mode mode = ring::Mode::kCpu;  // LAMBDASCOPE_MODE=cpu|wall
  uint32_t hz = 99;                    // LAMBDASCOPE_HZ
  uint32_t max_depth = 128;            // LAMBDASCOPE_DEPTH (1..512)
  uint64_t ring_size = 8u << 20;       // LAMBDASCOPE_RING_SIZE (bytes, K/M suffixes; a power of two)
  char ring_dir[256] = "/tmp";         // LAMBDASCOPE_RING_DIR
  int signal = 0;                      // LAMBDASCOPE_SIGNAL: force one (number or name); 0 = choose
  bool start_running = true;           // LAMBDASCOPE_START=0 waits for a start request
  bool follow_children = true;         // LAMBDASCOPE_CHILDREN=0: only the process LAMBDASCOPE_ROOT_PID
  int root_pid = 0;                    // LAMBDASCOPE_ROOT_PID
  bool dwarf = true;                   // LAMBDASCOPE_DWARF=0: frame pointers only
  uint32_t wall_threads_per_tick = 8;  // LAMBDASCOPE_WALL_THREADS_PER_TICK
  // Wall mode: running threads are sampled by their own CPU timers (LAMBDASCOPE_WALL_TIMERS=0: by the
  // sampler's signals instead, every period) and the sampler looks for waits every this many ms (at least
  // one period; LAMBDASCOPE_WALL_CYCLE_MS).
  bool wall_timers = true;
  uint32_t wall_cycle_ms = 20;
  uint32_t rescan_ms = 1000;     // LAMBDASCOPE_RESCAN_MS: /proc/self/task and maps refresh
  uint32_t duration_s = 0;       // LAMBDASCOPE_DURATION: stop after this many seconds (0 = never)
  uint32_t table_delay_ms = 20;  // LAMBDASCOPE_TABLE_DELAY_MS: build .eh_frame tables after this
  int log_level = 1;             // LAMBDASCOPE_LOG: 0 errors, 1 warnings, 2 info, 3 debug
};

// Reads the environment; unknown or malformed values are reported and replaced by defaults.
Config read_config();

// "SIGPROF", "PROF", "27", "SIGRTMIN+3" -> signal number, or 0.
int parse_signal_name(const char* s);

}  // namespace lambdascope::agent
